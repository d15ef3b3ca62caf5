"""The quality system's tables, one module per area (each re-exported here for Django's loader)."""
