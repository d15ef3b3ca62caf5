"""Opening a deviation: numbered, validated field by field, linked to its source in the same change."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.ledger import clock
from atmp.quality.models.deviations import Deviation
from atmp.quality.services.deviations import open_deviation
from atmp.testing import make_site
from atmp.workflow import links

pytestmark = pytest.mark.django_db


def opened(actor, site, **fields):
    fields.setdefault("title", "Filter integrity test failed")
    fields.setdefault("description", "Post-use test failed at 2.1 bar")
    fields.setdefault("occurred_at", clock.now() - dt.timedelta(hours=2))
    return open_deviation(actor=actor, site=site, **fields)


def test_an_operator_opens_a_numbered_deviation(operator, site):
    deviation = opened(operator, site)
    assert deviation.number == f"DEV-{clock.now().year}-0001"
    assert (deviation.status, deviation.classification) == ("open", "")
    assert opened(operator, site).number.endswith("-0002")


def test_a_service_opens_a_deviation_linked_to_its_source(operator, site):
    source = make_site()
    deviation = opened(operator, site, source=source)
    assert links.linked(deviation, relation="concerns") == [source]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"description": ""}, "description"),
        ({"occurred_at": clock.now() + dt.timedelta(days=1)}, "occurred_at"),
        ({"occurred_at": dt.datetime(2026, 1, 1)}, "occurred_at"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(operator, site, fields, field):
    with pytest.raises(InvalidInput) as refused:
        opened(operator, site, **fields)
    assert refused.value.field == field
    assert not Deviation.objects.exists()


def test_discovery_cannot_precede_the_event(operator, site):
    with pytest.raises(InvalidInput, match="before occurred_at"):
        opened(operator, site, discovered_at=clock.now() - dt.timedelta(days=1))


def test_an_inspector_cannot_open_one(inspector, site):
    with pytest.raises(NotAllowed):
        opened(inspector, site)


def test_a_site_limited_user_opens_only_at_their_site(site):
    from atmp.testing import make_user

    elsewhere = make_user("operator", site=make_site())
    with pytest.raises(InvalidInput, match="not one of your sites"):
        opened(elsewhere, site)
