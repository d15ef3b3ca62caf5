"""The QC laboratory's tables (one file per area, re-exported here)."""
