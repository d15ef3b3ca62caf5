"""Identifiers of the chain of identity, as pure functions (no Django): ISBT 128 donation
identification numbers and data structures (ICCBBA ST-001), the EU Single European Code for tissues
and cells, GS1 keys and element strings. Each refusal is an IdentifierError naming the identifier
(or its part) and the rule. docs/traceability.md cites the sources.
"""

from atmp.trace.identifiers import gs1, isbt128, iso7064, sec
from atmp.trace.identifiers.errors import IdentifierError

__all__ = ["IdentifierError", "gs1", "isbt128", "iso7064", "sec"]
