"""Links: any record to any other, audited, listed both ways, refused by name when they cannot be."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import writer
from atmp.ledger.errors import Conflict, RecordVoided
from atmp.ledger.models import AuditEntry
from atmp.testing import make_sample_case, make_site
from atmp.workflow import links
from atmp.workflow.models import Link

pytestmark = pytest.mark.django_db


def test_a_link_reads_both_ways(case, author):
    other = make_sample_case(actor=author)
    links.link(actor=author, source=other, target=case, relation="originates_from", reason="opened from it")
    (out,) = links.for_record(other)
    (back,) = links.for_record(case)
    assert (out.reads, out.other_key) == ("originates from", case.record_key)
    assert (back.reads, back.other_key) == ("gave rise to", other.record_key)
    assert links.linked(other, relation="originates_from") == [case]
    assert links.linking(case) == [other]


def test_a_link_is_an_audited_record(case, author):
    made = links.link(actor=author, source=case, target=make_site(), relation="concerns")
    assert AuditEntry.objects.filter(record_type="workflow.link", record_id=str(made.pk), action="create").exists()


def test_it_refuses_an_unknown_record(author):
    with pytest.raises(InvalidInput, match="no record sample.samplecase:999") as refused:
        links.resolve("sample.samplecase:999")
    assert refused.value.field == "target"
    with pytest.raises(InvalidInput, match="no record type"):
        links.resolve("nothing.here:1")
    with pytest.raises(InvalidInput, match="not a record key"):
        links.resolve("12")


def test_it_refuses_an_unknown_relation(case, author):
    with pytest.raises(InvalidInput, match="not a relation") as refused:
        links.link(actor=author, source=case, target=make_site(), relation="loves")
    assert refused.value.field == "relation"


def test_it_refuses_the_same_link_twice(case, author):
    site = make_site()
    links.link(actor=author, source=case, target=site, relation="concerns")
    with pytest.raises(Conflict, match="already concerns"):
        links.link(actor=author, source=case, target=site, relation="concerns")


def test_it_refuses_a_link_to_a_voided_record(case, author):
    site = make_site()
    with writer.change(actor=None, reason="closed down"):
        site.voided = True
        site.save()
    with pytest.raises(RecordVoided):
        links.link(actor=author, source=case, target=site, relation="concerns")


def test_removing_a_link_voids_it(case, author):
    made = links.link(actor=author, source=case, target=make_site(), relation="concerns")
    links.unlink(actor=author, link_record=made, reason="linked by mistake")
    assert links.for_record(case) == []
    assert Link.objects.get(pk=made.pk).voided


def test_a_service_links_in_the_same_change_and_both_roll_back_together(author):
    before = Link.objects.count()
    with pytest.raises(RuntimeError), writer.change(actor=author, reason=""):
        opened = make_sample_case(actor=author)
        links.link(actor=author, source=opened, target=make_site(), relation="concerns")
        raise RuntimeError("the calling service fails after linking")
    assert Link.objects.count() == before
