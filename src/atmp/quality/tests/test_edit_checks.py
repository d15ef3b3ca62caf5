"""The checks every quality service applies to an edit (atmp.quality.services.edits), kept once for all areas."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.quality.factories import make_capa, make_deviation
from atmp.quality.services.capa import update_capa
from atmp.quality.services.deviations import update_deviation

pytestmark = pytest.mark.django_db


def test_it_refuses_a_nul_character_in_a_capa_naming_the_field(operator, site):
    capa = make_capa(actor=operator, site=site)
    with pytest.raises(InvalidInput) as refused:
        update_capa(actor=operator, capa=capa, reason="typo", description="seal\x00replaced")
    assert refused.value.field == "description"
    assert "NUL" in str(refused.value)


def test_it_refuses_an_edit_by_someone_whose_roles_do_not_write_records(operator, inspector, site):
    deviation = make_deviation(actor=operator, site=site)
    with pytest.raises(NotAllowed):
        update_deviation(actor=inspector, deviation=deviation, reason="r", root_cause="guess")


def test_it_refuses_an_over_long_area_instead_of_cutting_it(operator, site):
    deviation = make_deviation(actor=operator, site=site)
    with pytest.raises(InvalidInput) as refused:
        update_deviation(actor=operator, deviation=deviation, reason="r", area="x" * 201)
    assert refused.value.field == "area"


def test_a_refused_edit_leaves_the_record_as_stored(operator, site):
    deviation = make_deviation(actor=operator, site=site)
    title = deviation.title
    with pytest.raises(InvalidInput):
        update_deviation(actor=operator, deviation=deviation, reason="r", title="new", weather="rainy")
    assert deviation.title == title
