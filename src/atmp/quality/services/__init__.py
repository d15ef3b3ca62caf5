"""The quality system's use cases, one module per area; every write goes through the ledger."""
