"""Traceability (Regulation (EC) 1394/2007 Art. 15; EU GMP Part IV § 6): materials and their lots,
pseudonymous donors and patients, the genealogy of lots (which lot went into which) and the
forward and backward trace over it, each one recursive SQL query (DESIGN.md principle 5).

Each area keeps the quality module's skeleton: models/<area>.py, services/<area>.py,
selectors/<area>.py, api/<area>.py, cli/<area>.py, tests/test_<action>.py; `units` is pure.
"""
