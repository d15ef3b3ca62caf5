"""A process that records one use of a lot when told to, for the concurrent-uses test.

    python tests/load/trace_uses.py setup            # personas, a released 100 mL lot IN, lots OUT-1..OUT-4
    python tests/load/trace_uses.py use OUT-1 60     # prints READY, waits for a line, records 60 mL of IN into OUT-1
    python tests/load/trace_uses.py hold OUT-1 60    # the same, then prints HELD and waits for a line
                                                     # before it commits (its transaction stays open)

It uses the database that ATMP_HOME / ATMP_DATABASE_URL name (atmp.settings). `use` prints
`OK` when the use was recorded (committed) and `REFUSED <message>` when a rule refused it.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "atmp.settings"
    import django

    django.setup()
    if argv[0] == "setup":
        setup()
        return 0
    return use(argv[1], argv[2], hold=argv[0] == "hold")


def say(line: str) -> None:
    """Write one line to stdout at once."""
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def setup() -> None:
    from atmp.testing import PASSWORD, make_site, make_user
    from atmp.trace import factories

    clerk = make_user("qa_reviewer", username="clerk", password=PASSWORD)
    approver = make_user("qa_approver", username="approver", password=PASSWORD)
    make_user("operator", username="operator", password=PASSWORD)
    site = make_site(actor=clerk, code="LEI")
    medium = factories.make_material(actor=clerk, code="MED-1", unit="mL")
    factories.make_released_lot(actor=clerk, approver=approver, number="IN", material=medium, site=site)
    for n in range(1, 5):
        factories.make_lot(actor=clerk, number=f"OUT-{n}", material=medium, site=site)


def use(output: str, quantity: str, *, hold: bool) -> int:
    from atmp.accounts.models import User
    from atmp.ledger import writer
    from atmp.ledger.errors import RuleViolation
    from atmp.trace.services.genealogy import record_use
    from atmp.trace.services.lots import find_lot

    operator = User.objects.get(username="operator")
    source, made = find_lot("IN"), find_lot(output)
    say("READY")
    sys.stdin.readline()
    try:
        # The service joins this outer change: its transaction commits when the block ends.
        with writer.change(actor=operator, reason=""):
            record_use(actor=operator, input=source, output=made, quantity=quantity, unit="mL")
            if hold:
                say("HELD")
                sys.stdin.readline()
    except RuleViolation as exc:
        say(f"REFUSED {exc}")
        return 0
    say("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
