"""The quality system's reads beyond a lookup, one module per area."""
