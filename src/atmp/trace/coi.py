"""Chain-of-identity (COI) codes of donors and patients in the site's scheme: <SITE>-P-<six digits>-<check>.

Pure (no Django). The code says nothing about the person: the site's code, a sequence number per
site, and a check character that catches a mistyped or misread code (ISO/IEC 7064 MOD 37-2, the
scheme ISBT 128 uses for its donation identification numbers).
"""

from __future__ import annotations

import re

from atmp.trace.identifiers.iso7064 import mod37_2_check_character

PERSON = "P"
DIGITS = 6
# The site code (2-20 of A-Z, 0-9, '-'), the person marker, the sequence and the check character
# (0-9, A-Z or '*').
COI = re.compile(r"^(?P<site>[A-Z0-9-]{2,20})-P-(?P<sequence>\d{6})-(?P<check>[0-9A-Z*])$")


def check_character(body: str) -> str:
    """Return the ISO/IEC 7064 MOD 37-2 check character of a COI's body, over its letters and digits.

    Hyphens are not in the MOD 37-2 alphabet: they separate the parts for the eye and are left out.
    """
    return mod37_2_check_character(body.replace("-", ""))


def make_coi(site_code: str, sequence: int) -> str:
    """Return the COI of the site's n-th person, e.g. LEI-P-000123-I (I: its check character)."""
    if sequence < 1 or sequence >= 10**DIGITS:
        raise ValueError(f"sequence {sequence} is outside 1-{10**DIGITS - 1}")
    body = f"{site_code}-{PERSON}-{sequence:0{DIGITS}d}"
    # The check character stands apart, as ISBT 128 prints its own: read aloud, it is not a digit more.
    return f"{body}-{check_character(body)}"


def sequence_of(coi: str) -> int | None:
    """Return the sequence number of a COI of this scheme, or None for any other text."""
    match = COI.match(coi)
    return int(match["sequence"]) if match else None


def is_valid(coi: str) -> bool:
    """Return True when the text is a COI of this scheme whose check character matches its body."""
    match = COI.match(coi)
    if match is None:
        return False
    body = coi[: -len(match["check"]) - 1]
    return match["check"] == check_character(body)
