"""The quality system's reads beyond a lookup (KPIs, registers, matrices), one module per area."""
