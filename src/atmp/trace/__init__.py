"""Traceability and the chain of identity (Regulation (EC) 1394/2007 Art. 15; EU GMP Part IV ch. 6
(Documentation), 'traceability data'): identifiers, materials and their lots, pseudonymous donors and patients,
the genealogy of lots (which lot went into which) and the forward and backward trace over it, each one recursive
SQL query (DESIGN.md principle 5); chain of custody, labels and recall impact to come (issue 13).

Each area keeps the quality module's skeleton: models/<area>.py, services/<area>.py,
selectors/<area>.py, api/<area>.py, cli/<area>.py, views/<area>.py, templates/trace/,
tests/test_<action>.py; identifiers/, units.py and coi.py are pure (no Django).

What other modules call (imports stay lazy so that Django can load the app before its models):
    atmp.trace.identifiers   check characters and parsers of ISBT 128, the SEC and GS1 (pure)
    atmp.trace.units         the UCUM units lots are counted in, and explicit conversions (pure)
    atmp.trace.selectors.genealogy.forward(root) / backward(root)   the trace from a lot or person
"""
