"""ISO/IEC 7064 MOD 37-2: the pure system with one check character over 0–9 and A–Z (values 0–35),
the check character also being * (36). ISBT 128 prints it after the DIN as the keyboard entry check
character (ST-001 §7.5, Appendix A)."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
MODULUS = 37
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_DATA = frozenset(ALPHABET[:36])


def mod37_2_checksum(data: str) -> int:
    """Return the MOD 37-2 checksum (0–36) of data made of 0–9 and A–Z."""
    p = 0
    for position, char in enumerate(data):
        if char not in _DATA:
            raise ValueError(f"character {position + 1} {char!r} is not 0–9 or A–Z")
        p = ((p + _VALUE[char]) * 2) % MODULUS
    return (MODULUS + 1 - p) % MODULUS


def mod37_2_check_character(data: str) -> str:
    """Return the MOD 37-2 check character of data made of 0–9 and A–Z."""
    return ALPHABET[mod37_2_checksum(data)]


def mod37_2_valid(text: str) -> bool:
    """Return True when the last character of text is the MOD 37-2 check character of the rest."""
    if len(text) < 2 or text[-1] not in _VALUE or any(c not in _DATA for c in text[:-1]):
        return False
    return mod37_2_check_character(text[:-1]) == text[-1]
