"""Traceability reads beyond a lookup: the trace, what remains of a lot, the lists."""
