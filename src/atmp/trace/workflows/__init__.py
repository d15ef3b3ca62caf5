"""The traceability records' state machines (docs/traceability.md draws each)."""
