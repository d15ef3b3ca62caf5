"""Personas and records of the traceability tests: the root conftest's personas (rita reviews and
receives, alex approves and releases, olga operates), a site, and lots made by the factories."""

from __future__ import annotations

import pytest

from atmp.trace import factories


@pytest.fixture
def material(qa_reviewer):
    return factories.make_material(actor=qa_reviewer, code="MED-001", name="Culture medium X", unit="mL")


@pytest.fixture
def lot(qa_reviewer, site, material):
    """A lot of 100 mL in quarantine at Leiden."""
    return factories.make_lot(actor=qa_reviewer, number="L-0001", material=material, site=site)


@pytest.fixture
def released(qa_reviewer, qa_approver, site, material):
    """A released lot of 100 mL at Leiden."""
    return factories.make_released_lot(
        actor=qa_reviewer, approver=qa_approver, number="L-0100", material=material, site=site
    )


@pytest.fixture
def product(qa_reviewer):
    return factories.make_material(
        actor=qa_reviewer, code="DP-001", name="CAR-T drug product", type="drug_product", unit="{bag}"
    )


@pytest.fixture
def made(qa_reviewer, site, product):
    """A lot in quarantine being made (the output of uses)."""
    return factories.make_lot(actor=qa_reviewer, number="DP-0001", material=product, site=site, quantity="2")


@pytest.fixture
def coordinator(db):
    """Cora, a Chain-of-Identity Coordinator: registers, corrects and reveals personal data."""
    from atmp.testing import PASSWORD, make_user

    return make_user("coi_coordinator", username="cora", full_name="Cora Coordinator", password=PASSWORD)


@pytest.fixture
def pv_officer(db):
    """Piet, a PV Officer: reveals personal data to follow a patient up; registers none."""
    from atmp.testing import PASSWORD, make_user

    return make_user("pv_officer", username="piet", full_name="Piet Vigilance", password=PASSWORD)


# The test persons: names and numbers searched for, in clear, wherever they must not be.
JANE = {"name": "Jane Zwanenburg-Okonkwo", "birth_date": "1961-04-17", "hospital_number": "UZL-7731942"}
JOHN = {"name": "Jóhann Þórsson", "birth_date": "1958-11-02", "hospital_number": "LUMC 000 4411"}


@pytest.fixture
def jane(coordinator, site):
    """A patient of Leiden registered with her personal data sealed."""
    from atmp.trace.services.identities import register_person_with_identity

    return register_person_with_identity(actor=coordinator, kind="patient", site=site, **JANE)


# --- chain of custody: two autologous patients' products at Leiden ---------------------------


@pytest.fixture
def anna(qa_reviewer, qa_approver, site):
    """Patient Anna's (patient, apheresis lot, released drug product bag)."""
    return factories.make_autologous_product(actor=qa_reviewer, site=site, approver=qa_approver)


@pytest.fixture
def bert(qa_reviewer, qa_approver, site):
    """Patient Bert's (patient, apheresis lot, released drug product bag)."""
    return factories.make_autologous_product(actor=qa_reviewer, site=site, approver=qa_approver)


@pytest.fixture
def shipment(operator, anna):
    """Anna's drug product on its way to the treatment centre."""
    return factories.make_shipment(actor=operator, lots=[anna[2]], number="SHP-ANNA", tracking="1Z999AA10123456784")


@pytest.fixture
def flow(qa_reviewer, site):
    """A correct chain of identity, autologous and allogeneic. Patient P donates apheresis A; A and vector V
    make cells C; C makes P's bags D1 and D2; V also goes straight into D2 (a shortcut: D2 is at level 1
    from V); D1 is given to P. Donor O gives B; B and V make DQ (allogeneic: made for no one patient),
    given to patient Q. Returns (lots, P, Q); O is lots["B"].donor."""
    make = factories
    apheresis = make.make_material(actor=qa_reviewer, code="APH", type="starting_material", unit="{bag}")
    vector = make.make_material(actor=qa_reviewer, code="LV", type="vector_seed", unit="mL")
    p = make.make_person(actor=qa_reviewer, kind="patient", site=site)
    q = make.make_person(actor=qa_reviewer, kind="patient", site=site)
    o = make.make_person(actor=qa_reviewer, kind="donor", site=site)
    lots = {
        "A": make.make_lot(actor=qa_reviewer, number="A", material=apheresis, site=site, donor=p, quantity="1"),
        "B": make.make_lot(actor=qa_reviewer, number="B", material=apheresis, site=site, donor=o, quantity="1"),
        "V": make.make_lot(actor=qa_reviewer, number="V", material=vector, site=site),
        "C": make.make_lot(actor=qa_reviewer, number="C", site=site),
        "D1": make.make_lot(actor=qa_reviewer, number="D1", site=site),
        "D2": make.make_lot(actor=qa_reviewer, number="D2", site=site),
        "DQ": make.make_lot(actor=qa_reviewer, number="DQ", site=site),
        "X": make.make_lot(actor=qa_reviewer, number="X", site=site),  # unrelated
    }
    for a, b in (("A", "C"), ("V", "C"), ("C", "D1"), ("C", "D2"), ("V", "D2"), ("B", "DQ"), ("V", "DQ")):
        make.link_lots(actor=qa_reviewer, input=lots[a], output=lots[b])
    for lot in ("D1", "D2", "DQ"):
        factories.release(lots[lot])
    # Through the service, which refuses a mix-up: each to the patient it is meant for. A dose each, so
    # that more of D1 and DQ may be given (without a quantity a lot in mL goes whole).
    make.make_administration(actor=qa_reviewer, lot=lots["D1"], patient=p, quantity="1")
    make.make_administration(actor=qa_reviewer, lot=lots["DQ"], patient=q, quantity="1")
    return lots, p, q
