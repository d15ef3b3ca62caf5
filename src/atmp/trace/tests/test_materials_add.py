"""Adding a material to the catalogue: its code, type, storage and unit, each checked."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger.errors import Conflict
from atmp.ledger.models import AuditEntry
from atmp.trace.services.materials import add_material

pytestmark = pytest.mark.django_db


def add(actor, **fields):
    values = {"code": "PLA-001", "name": "pCAR plasmid", "type": "plasmid", "unit": "mg", **fields}
    return add_material(actor=actor, **values)


def test_a_material_is_added_through_the_ledger(qa_reviewer):
    made = add(qa_reviewer, storage="-20 °C")
    assert (made.code, made.type, made.unit, made.storage) == ("PLA-001", "plasmid", "mg", "-20 °C")
    assert AuditEntry.objects.filter(record_type="trace.material", record_id=str(made.pk), action="create").exists()


def test_it_refuses_a_code_already_in_the_catalogue(qa_reviewer):
    add(qa_reviewer)
    with pytest.raises(Conflict, match="PLA-001 is already in the catalogue"):
        add(qa_reviewer, name="another")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("code", "PLA 001", "letters, digits"),
        ("code", "", "must be filled in"),
        ("name", "", "must be filled in"),
        ("type", "gadget", "not one of"),
        ("unit", "ml", "not a UCUM code"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(qa_reviewer, field, value, words):
    with pytest.raises(InvalidInput, match=words) as refused:
        add(qa_reviewer, **{field: value})
    assert refused.value.field == field


def test_an_inspector_cannot_add_a_material(inspector):
    with pytest.raises(NotAllowed):
        add(inspector)
