"""The quality system (EU GMP Part IV, ICH Q9(R1)/Q10/Q12): deviations, CAPA, change control, risk,
complaints and recalls, controlled documents and training, suppliers, self-inspections and
management review. Each area keeps the same skeleton: models/<area>.py, services/<area>.py,
api/<area>.py, views/<area>.py, cli/<area>.py, templates/quality/<area>/, tests/test_<action>.py.

What other modules call (imports stay lazy so that Django can load the app before its models):
    may_accept(material, supplier, on) -> Decision   (atmp.quality.selectors.suppliers)
    is_trained(user, document, at=None)   the user signed the version effective at `at` (batch execution)
"""

from __future__ import annotations

from typing import Any


def may_accept(*args: Any, **kwargs: Any) -> Any:
    """Answer whether a material may be received from a supplier on a date, with the rule (selectors.suppliers)."""
    from atmp.quality.selectors import suppliers

    return suppliers.may_accept(*args, **kwargs)


def is_trained(*args: Any, **kwargs: Any) -> Any:
    """Return True when the user is trained on the document's version in force (atmp.quality.selectors.documents)."""
    from atmp.quality.selectors import documents

    return documents.is_trained(*args, **kwargs)
