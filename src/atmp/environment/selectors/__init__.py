"""The environment module's reads."""
