"""Stability studies (ICH Q1E): the protocol, batches placed on study, their pulls, the pulls' results
and the shelf-life estimate computed by atmp.stats.shelf_life, frozen into the study when its report
is signed (ADR 0029).

The modules: records (finding, reading, due dates), protocol (conditions, attributes, approval, placing
batches), pulls (taking, missing, testing; My work), estimate (the shelf life and the signed report).
Their public names are importable from here.

Rules, each refusal naming its field (docs/lab.md "Stability studies"):
- `condition`: one of the storage conditions of ICH Q1A(R2) §2.2.7 or the frozen conditions of an
  ATMP (StorageCondition); `time_points`: whole months 0 to 120, ascending, no repeat, at least three
  for a condition that sets a shelf life (Q1E needs a line with a residual, atmp.stats' minimum).
- `attribute`: an attribute of the study's specification (an approved one of the study's product),
  numeric or judged against a numeric shelf-life `limit` (a report attribute needs one).
- Due dates: the batch's placed-on-study date plus the time point in calendar months, the same day of
  the month, or the month's last day when it has no such day (31 Jan + 1 month = 28 or 29 Feb), as
  `dateutil.relativedelta` and the common LIMS convention count months.
- Results of a pull are ordinary lab results (services.results.record_result) of the pull's sample
  (purpose 'stability'): evaluated, reviewed and, out of specification, investigated like any other.
- The estimate per condition and attribute uses the live results of pulled or tested pulls, the time
  being the pull's nominal time point (months), and atmp.stats.shelf_life's poolability (ANCOVA at
  0.25) and one-sided 95 % bound (two-sided when both limits apply), ICH Q1E Appendix B.
"""

from atmp.lab.services.stability.estimate import (
    ALPHA,
    EXTRAPOLATION,
    METHOD,
    POOL_ALPHA,
    RULE,
    SOURCE,
    compute_estimate,
    data_of,
    estimate_hash,
    estimate_of,
    fit,
    report_refusal,
    sign_report,
)
from atmp.lab.services.stability.protocol import (
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    add_attribute,
    add_condition,
    add_study,
    approve,
    limits_of,
    parse_time_points,
    parse_window_days,
    place,
    protocol_hash,
    protocol_refusal,
    start,
)
from atmp.lab.services.stability.pulls import DUE_SOON_DAYS, miss, pull_sample, pull_work, record
from atmp.lab.services.stability.records import (
    MAX_MONTHS,
    attributes,
    conditions,
    due_date,
    find_pull,
    find_study,
    number,
    placements,
    pulls,
)
from atmp.lab.services.stability.significant import significant_change

__all__ = [
    "ALPHA",
    "DEFAULT_WINDOW_DAYS",
    "DUE_SOON_DAYS",
    "EXTRAPOLATION",
    "MAX_MONTHS",
    "MAX_WINDOW_DAYS",
    "METHOD",
    "POOL_ALPHA",
    "RULE",
    "SOURCE",
    "add_attribute",
    "add_condition",
    "add_study",
    "approve",
    "attributes",
    "compute_estimate",
    "conditions",
    "data_of",
    "due_date",
    "estimate_hash",
    "estimate_of",
    "find_pull",
    "find_study",
    "fit",
    "limits_of",
    "miss",
    "number",
    "parse_time_points",
    "parse_window_days",
    "place",
    "placements",
    "protocol_hash",
    "protocol_refusal",
    "pull_sample",
    "pull_work",
    "pulls",
    "record",
    "report_refusal",
    "sign_report",
    "significant_change",
    "start",
]
