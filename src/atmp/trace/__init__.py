"""Traceability and the chain of identity (ATMP Regulation Art. 15): identifiers today; materials,
lots, pseudonymous donors and patients, genealogy, chain of custody, trace and recall impact to come
(issue 13). Each area keeps the quality module's skeleton: identifiers/ (pure, no Django),
api/<area>.py, cli/<area>.py, views/<area>.py, templates/trace/, tests/test_<action>.py.

What other modules call (imports stay lazy so that Django can load the app before its models):
    atmp.trace.identifiers   check characters and parsers of ISBT 128, the SEC and GS1 (pure)
"""
