"""Personas and records of the manufacturing tests: the root conftest's personas (rita reviews and
registers, alex approves, olga operates), a site, and equipment made by the factories."""

from __future__ import annotations

import pytest

from atmp.manufacturing import factories
from atmp.manufacturing.services import products
from atmp.quality import factories as qf
from atmp.testing import PASSWORD
from atmp.trace import factories as tf


@pytest.fixture
def bsc(qa_reviewer, qa_approver, site):
    """BSC-01 at Leiden: qualified, calibrated, maintained and cleaned just now (usable)."""
    return factories.make_usable_equipment(actor=qa_reviewer, qa=qa_approver, code="BSC-01", site=site)


@pytest.fixture
def product(qa_reviewer):
    return factories.make_product(actor=qa_reviewer, code="AAV-001", name="AAV9-hFIX")


# Master batch records: an effective SOP of Leiden, a medium counted in L, an effective process
# version 1 of AAV-001 at Leiden, and a valid three-step document using them.
@pytest.fixture
def sop(qa_reviewer, qa_approver, site):
    document = qf.make_document(actor=qa_reviewer, site=site, title="Aseptic processing")
    qf.make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=document)
    return document


@pytest.fixture
def medium(qa_reviewer):
    return tf.make_material(actor=qa_reviewer, code="MED-001", type="medium", unit="L")


@pytest.fixture
def version(qa_reviewer, qa_approver, product, site):
    pv = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    products.make_effective(actor=qa_approver, version=pv, password=PASSWORD, reason="v1")
    return pv


@pytest.fixture
def doc(sop, medium):
    return factories.mbr_document(sop=sop.number, material=medium.code, material_unit="mL", steps=3)


@pytest.fixture
def second_operator(db):
    """Oscar, an operator who checks Olga's line clearances (the second person)."""
    from atmp.testing import PASSWORD, make_user

    return make_user("operator", username="oscar", full_name="Oscar Operator", password=PASSWORD)


@pytest.fixture
def room(qa_reviewer, site):
    """Room 2.14 at Leiden: grade B, BSL-2, in use, never used, cleaned or cleared."""
    from atmp.environment.factories import make_room

    return make_room(actor=qa_reviewer, site=site, code="2.14", name="Vector suite", grade="B")


@pytest.fixture
def lentiviral(qa_reviewer):
    """A lentiviral CAR-T: a class 2 GMO at containment level 2."""
    return factories.make_product(
        actor=qa_reviewer,
        code="LV-001",
        name="CD19 CAR-T",
        vector_type="lentivirus",
        gmo_class="2",
        containment_level=2,
    )


# Batches: an effective master batch record of two steps (room grade B, a BSC, an SOP, a
# medium of 500 mL ± 5 %), a batch of it for a patient, and the floor Olga works on.
@pytest.fixture
def effective_mbr(qa_reviewer):
    return factories.make_effective_mbr(actor=qa_reviewer)


@pytest.fixture
def batch(qa_reviewer, effective_mbr):
    return factories.make_batch(actor=qa_reviewer, mbr=effective_mbr)


@pytest.fixture
def floor(batch, operator):
    """Olga trained on the batch's SOP, a grade B room cleared for its product, a usable BSC at its site."""
    return factories.make_floor(batch=batch, operator=operator)


@pytest.fixture
def steps(batch):
    return list(batch.steps.order_by("number"))


@pytest.fixture
def running(floor, steps):
    """The batch's first step, started by Olga in the room with the BSC."""
    from atmp.manufacturing.services.batch_steps import start_step

    return start_step(actor=floor["operator"], step=steps[0], room=floor["room"], equipment=[floor["bsc"]])


@pytest.fixture
def ledger_size():
    """Return a function counting the ledger's entries (a refusal leaves it unchanged)."""
    from atmp.ledger.models import AuditEntry

    return lambda: AuditEntry.objects.count()
