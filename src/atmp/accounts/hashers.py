"""Password hashing: Argon2id at the OWASP Password Storage Cheat Sheet parameters.

OWASP (Password Storage Cheat Sheet, "Argon2id"): "a minimum configuration of 19 MiB of memory,
an iteration count of 2, and 1 degree of parallelism". We use exactly m=19456 KiB, t=2, p=1, and
Django rehashes stored passwords on login whenever these parameters are raised.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id (Django's argon2 hasher always uses the id variant) with OWASP's parameters."""

    time_cost = 2
    memory_cost = 19456
    parallelism = 1
