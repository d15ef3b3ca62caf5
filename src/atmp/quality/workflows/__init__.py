"""The quality system's state machines, one module per area (each model names its own)."""
