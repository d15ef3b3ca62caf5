"""The quality records' state machines, one module per area (docs/quality.md draws each)."""
