"""The quality system's reads beyond a lookup (registers, lists), one module per area."""
