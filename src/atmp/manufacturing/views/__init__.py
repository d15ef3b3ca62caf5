"""Manufacturing's pages: the lists, the equipment page with its logbook, and the operation forms (ADR 0013)."""
