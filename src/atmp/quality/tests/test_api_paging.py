"""Keyset pages of the quality API (atmp.quality.api.paging.page): one implementation behind every list."""

from __future__ import annotations

import pytest

from atmp.quality.api.paging import page
from atmp.quality.factories import make_complaint
from atmp.quality.models.complaints import Complaint

pytestmark = pytest.mark.django_db


def test_pages_run_newest_first_and_the_last_one_has_no_cursor(operator, site):
    made = [make_complaint(actor=operator, site=site, title=f"Complaint {i}") for i in range(3)]
    first, cursor = page(Complaint.objects.all(), limit=2, after=None)
    assert [c.pk for c in first] == [made[2].pk, made[1].pk]
    assert cursor == made[1].pk
    rest, cursor = page(Complaint.objects.all(), limit=2, after=cursor)
    assert [c.pk for c in rest] == [made[0].pk]
    assert cursor is None


def test_a_cursor_of_zero_is_the_first_page(operator, site):
    made = make_complaint(actor=operator, site=site)
    assert page(Complaint.objects.all(), limit=5, after=0) == ([made], None)
