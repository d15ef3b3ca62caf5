"""The environment module's services: every write, and every rule, lives here."""
