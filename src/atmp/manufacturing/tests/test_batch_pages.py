"""The batch pages: the list, and a batch's record with its entries and its review by exception."""

from __future__ import annotations

import pytest
from django.test import Client

from atmp.manufacturing.services.batch_entries import correct_entry, record_parameter
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(operator):
    client = Client()
    assert client.login(username="olga", password=PASSWORD)
    return client


def test_the_list_shows_the_batch(browser, batch):
    page = browser.get("/manufacturing/batches/")
    assert page.status_code == 200 and f'data-testid="batch-{batch.number}"' in page.content.decode()


def test_the_batch_page_shows_every_entry_and_the_exceptions(browser, running, floor, batch):
    temperature = running.mbr_step.parameters.get()
    first = record_parameter(actor=floor["operator"], step=running, parameter=temperature, value="40.0")
    correct_entry(actor=floor["operator"], entry=first, value="37.0", reason="the probe was in the water bath")
    html = browser.get(f"/manufacturing/batches/{batch.pk}/").content.decode()
    assert f'data-testid="entry-{first.pk}"' in html and "the probe was in the water bath" in html
    for kind in ("deviation", "out_of_range", "correction"):
        assert f'data-testid="exception-{kind}"' in html


def test_a_batch_of_another_site_is_not_found(batch):
    from atmp.testing import make_site, make_user

    make_user("operator", username="ursula", password=PASSWORD, site=make_site())
    client = Client()
    assert client.login(username="ursula", password=PASSWORD)
    assert client.get(f"/manufacturing/batches/{batch.pk}/").status_code == 404
