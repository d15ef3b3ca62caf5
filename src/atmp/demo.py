"""The demo programme: sites and users for every role, with history and signatures to look at.

`atmp demo` is idempotent: if the demo's administrator exists, nothing is written again.
"""

from __future__ import annotations

from typing import Any

import pyotp

from atmp.accounts import approvals, auth, services, signing
from atmp.accounts.models import Site, User
from atmp.ledger import checkpoints, reviews, trail
from atmp.ledger.models import LedgerHead

PASSWORD = "atmp-demo-2026!"  # noqa: S105 - printed by `atmp demo`; a demo database is not for real records
# The demo's MFA user and TOTP secret, fixed like the password so that `atmp demo` can print them
# again; add the secret to an authenticator app (or `python -c "import pyotp; print(pyotp.TOTP(S).now())"`).
MFA_USER = "victor"
MFA_SECRET = "ATMPDEMOMFAVICTORTOTPSECRET23456"  # noqa: S105 - printed by `atmp demo`, as the password is
USERS: list[tuple[str, str, str, str | None]] = [
    # username, full name, role, site code (None: every site)
    ("sam", "Sam Sysadmin", "system_admin", None),
    ("rita", "Rita Reviewer", "qa_reviewer", None),
    ("alex", "Alex Approver", "qa_approver", None),
    ("petra", "Petra QP", "qualified_person", None),
    ("ines", "Ines Inspector", "inspector", None),
    ("victor", "Victor Vigilance", "pv_officer", None),
    ("olga", "Olga Operator", "operator", "LEI"),
    ("quentin", "Quentin QC", "qc_analyst", "LEI"),
    ("carla", "Carla Coordinator", "coi_coordinator", "LEI"),
    # Given his role by the manufacturing demo (after the quality demo froze its training figures).
    ("oscar", "Oscar Operator", "operator", "LEI"),
]


def load() -> dict[str, Any]:
    """Load the demo data unless it is there already; return what the demo holds."""
    if not User.objects.filter(username="sam").exists():
        _load()
    return summary()


def _load() -> None:
    # The server console bootstraps (actor None): the administrator, and the first QA Approver,
    # whom nobody else could approve (docs/adr/0006-role-approval.md). Demo passwords are printed,
    # so nobody is asked to change theirs.
    sam = services.create_user(
        actor=None,
        username="sam",
        full_name="Sam Sysadmin",
        password=PASSWORD,
        roles=["system_admin"],
        reason="initial installation",
    )
    alex = services.create_user(
        actor=None,
        username="alex",
        full_name="Alex Approver",
        email="alex@demo.atmp.example",
        password=PASSWORD,
        roles=["qa_approver"],
        reason="initial installation: the first QA Approver",
    )
    people = {"sam": sam, "alex": alex}
    for username, full_name, role, site_code in USERS[1:]:
        if username in people:
            continue
        people[username] = services.create_user(
            actor=sam,
            username=username,
            full_name=full_name,
            email=f"{username}@demo.atmp.example",
            password=PASSWORD,
            roles=[role] if site_code is None else [],
            reason="demo account",
            must_change_password=False,
        )
    # Every GMP role the administrator granted waits for the QA Approver's signature.
    approve_pending(alex)
    rita, petra = people["rita"], people["petra"]
    leiden = services.create_site(
        actor=rita, code="LEI", name="Leiden", timezone="Europe/Amsterdam", address="Bio Science Park, Leiden, NL"
    )
    ghent = services.create_site(actor=rita, code="GNT", name="Ghent", timezone="Europe/Brussels")
    services.update_site(
        actor=rita,
        site=leiden,
        name="Leiden Bio Science Park",
        reason="full name as on the manufacturing authorisation",
    )
    services.set_roles(
        actor=sam, user=people["quentin"], roles=["operator"], site=leiden, reason="joined manufacturing"
    )
    approve_pending(alex)
    services.set_roles(
        actor=sam, user=people["quentin"], roles=["qc_analyst"], site=leiden, reason="moved to the QC laboratory"
    )
    services.set_roles(actor=sam, user=people["olga"], roles=["operator"], site=leiden, reason="trained on SOP-MFG-001")
    services.set_roles(
        actor=sam, user=people["carla"], roles=["coi_coordinator"], site=leiden, reason="trained on SOP-COI-001"
    )
    approve_pending(alex)
    signing.sign(signer=alex, record=leiden, meaning="approved", password=PASSWORD)
    signing.sign(signer=petra, record=ghent, meaning="reviewed", password=PASSWORD)
    # A change after signing: the review signature on Ghent shows as superseded.
    services.update_site(
        actor=rita,
        site=Site.objects.get(pk=ghent.pk),
        address="Technologiepark, Ghent, BE",
        reason="address added from the site master file",
    )
    checkpoints.sign_now(actor=sam)
    # The approver reviews the reviewer's changes to the sites: a selection without his own entries
    # (nobody reviews his own work), so the demo's trail holds no refusal of its own making.
    review = reviews.start_review(
        actor=alex,
        filter=trail.TrailFilter(record_type="accounts.site", actor_id=rita.pk),
        comment="Review of the site master data changes",
    )
    signing.sign(signer=alex, record=review, meaning="audit_trail_reviewed", password=PASSWORD, outcome="no_findings")
    # One user enrolled in MFA through the same service as the MFA page, so sign-in asks for a code.
    auth.enable_mfa(user=people[MFA_USER], secret=MFA_SECRET, code=pyotp.TOTP(MFA_SECRET).now(), password=PASSWORD)
    # Each domain module's part, in module order (a quality system on these sites and people).
    from atmp import modules

    sites = {s.code: s for s in Site.objects.all()}
    for module in modules.installed():
        if module.demo:
            modules.load(module.demo)(people, sites)
    checkpoints.sign_now(actor=sam)


def approve_pending(approver: User) -> None:
    """Approve, with the approver's signature, every role assignment awaiting approval (module demos use it too)."""
    for assignment in services.pending_assignments():
        approvals.approve_role_assignment(
            actor=approver, assignment=assignment, password=PASSWORD, reason="demo: role confirmed by QA"
        )


def summary() -> dict[str, Any]:
    """Return the demo logins and what the ledger holds."""
    logins = []
    for username, full_name, role, site in USERS:
        logins.append({"username": username, "full_name": full_name, "role": role, "site": site or "all"})
    return {
        "url": "http://127.0.0.1:8000/",
        "password": PASSWORD,
        "logins": logins,
        "entries": LedgerHead.objects.values_list("size", flat=True).get(pk=1),
        "sites": list(Site.objects.values_list("code", flat=True)),
        "mfa": {"username": MFA_USER, "secret": MFA_SECRET},
        "modules": {label: part.summary() for label, part in _module_parts() if hasattr(part, "summary")},
    }


def _module_parts() -> list[tuple[str, Any]]:
    """Return (label, demo module) of each installed module with a demo part, in module order."""
    import importlib

    from atmp import modules

    return [(m.label, importlib.import_module(m.demo.split(":")[0])) for m in modules.installed() if m.demo]


def describe(data: dict[str, Any]) -> str:
    """Return the demo summary as text for the terminal."""
    lines = [
        f"demo loaded: {data['entries']} ledger entries, sites {', '.join(data['sites'])}",
        f"sign in at {data['url']} with the password {data['password']!r} and one of:",
    ]
    for login in data["logins"]:
        lines.append(f"  {login['username']:<8} {login['full_name']:<18} {login['role']:<17} site: {login['site']}")
    mfa = data["mfa"]
    lines.append(
        f"{mfa['username']} signs in with MFA: add the TOTP secret {mfa['secret']} to an authenticator app "
        "(codes of the minute the demo ran are already spent)"
    )
    for label, part in _module_parts():
        if hasattr(part, "describe") and label in data.get("modules", {}):
            lines.extend(part.describe(data["modules"][label]))
    return "\n".join(lines)
