"""The manufacturing records' state machines (docs/manufacturing.md describes each)."""
