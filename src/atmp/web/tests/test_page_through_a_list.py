"""Keyset pages: following `next` (or `previous`) links gives the sorted, filtered selection exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atmp import lists
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter
from atmp.testing import shared_search

pytestmark = pytest.mark.django_db
MARK = "@paging.test"


def _people(viewer):
    from atmp.accounts.models import User

    return User.objects.filter(email__endswith=MARK)


# Columns with many ties (names, counts, flags) and NULLs (last sign-in): the cases keysets get wrong.
PEOPLE = ListSpec(
    name="people",
    title="People",
    rows=_people,
    default_sort="username",
    page_size=3,
    columns=(
        Column("username", "Username", sort="username"),
        Column("full_name", "Name", sort="full_name"),
        Column("failed", "Failed sign-ins", value="failed_logins", sort="failed_logins"),
        Column("active", "Active", value="is_active", sort="is_active"),
        Column("last_login", "Last sign-in", sort="last_login"),
    ),
    filters=(
        TextFilter("q", "Name", fields=("full_name",)),
        ChoiceFilter("active", "Active", lookup="is_active", choices=(("1", "yes"), ("0", "no"))),
    ),
)
SORTS = [key for c in PEOPLE.columns if (key := c.key)]
WHEN = [None, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC)]
person = st.fixed_dictionaries(
    {
        "full_name": st.sampled_from(["Ann", "ann", "Bob", "Émile", "Zoë", ""]),
        "failed_logins": st.integers(0, 2),
        "is_active": st.booleans(),
        "last_login": st.sampled_from(WHEN),
    }
)


def _make(people: list[dict]) -> None:
    from atmp.accounts.models import User

    User.objects.bulk_create(
        [User(username=f"p{i:03d}", email=f"p{i}{MARK}", password="!", **fields) for i, fields in enumerate(people)]
    )


def _expected(selection: lists.Selection, viewer=None) -> list[int]:
    """Return the selection's ids in the database's own ORDER BY: NULLs last ascending, pk breaking ties."""
    rows = lists.filtered(PEOPLE, viewer, selection)
    path = selection.path
    if selection.descending:
        rows = rows.order_by(F(path).desc(nulls_first=True), "-pk")
    else:
        rows = rows.order_by(F(path).asc(nulls_last=True), "pk")
    return list(rows.values_list("pk", flat=True))


def _walk(params: dict[str, str], *, backwards: bool = False) -> list[list[int]]:
    pages = []
    cursor_name, link = ("before", "previous") if backwards else ("after", "next")
    raw = dict(params)
    for _ in range(200):
        found = lists.page(PEOPLE, None, lists.select(PEOPLE, None, raw), count=False)
        pages.append([r.pk for r in found.rows])
        cursor = getattr(found, link)
        if cursor is None:
            return pages
        raw = {**params, cursor_name: cursor}
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("sort", SORTS)
@shared_search
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.lists(person, max_size=14),
    limit=st.integers(1, 5),
    q=st.sampled_from(["", "an", "o"]),
    active=st.sampled_from(["", "1", "0"]),
)
def test_following_next_gives_the_sorted_filtered_selection_once(db, people, sort, descending, limit, q, active):
    with transaction.atomic():
        _make(people)
        params = {"sort": ("-" if descending else "") + sort, "limit": str(limit), "q": q, "active": active}
        expected = _expected(lists.select(PEOPLE, None, params))
        pages = _walk(params)
        assert [pk for p in pages for pk in p] == expected
        assert all(len(p) == limit for p in pages[:-1]) and len(pages[-1]) <= limit
        transaction.set_rollback(True)


@pytest.mark.parametrize("sort", [*SORTS, *(f"-{s}" for s in SORTS)])
@shared_search
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person, min_size=1, max_size=12), limit=st.integers(1, 4))
def test_following_previous_from_the_last_page_gives_the_same_rows_back(db, people, sort, limit):
    with transaction.atomic():
        _make(people)
        params = {"sort": sort, "limit": str(limit)}
        forwards = _walk(params)
        last = lists.page(PEOPLE, None, lists.select(PEOPLE, None, params), count=False)
        # Start from the last page (reached through the next links), then go back.
        raw = dict(params)
        while last.next is not None:
            raw = {**params, "after": last.next}
            last = lists.page(PEOPLE, None, lists.select(PEOPLE, None, raw), count=False)
        back = [[r.pk for r in last.rows]]
        while last.previous is not None:
            last = lists.page(
                PEOPLE, None, lists.select(PEOPLE, None, {**params, "before": last.previous}), count=False
            )
            back.append([r.pk for r in last.rows])
        assert [pk for p in reversed(back) for pk in p] == [pk for p in forwards for pk in p]
        transaction.set_rollback(True)


def test_rows_added_while_paging_shift_nothing_already_shown(db):
    _make([{"full_name": "Ann", "failed_logins": 0, "is_active": True, "last_login": None}] * 4)
    first = lists.page(PEOPLE, None, lists.select(PEOPLE, None, {"limit": "2"}))
    from atmp.accounts.models import User

    User.objects.create(username="p000a", email=f"new{MARK}", full_name="Ann")  # sorts inside page one
    second = lists.page(PEOPLE, None, lists.select(PEOPLE, None, {"limit": "2", "after": first.next}))
    assert [r.username for r in first.rows] == ["p000", "p001"]
    assert [r.username for r in second.rows] == ["p002", "p003"]


def test_the_page_links_carry_the_filters_and_the_cursor(as_reviewer, qa_reviewer):
    from atmp.testing import make_site

    for code in ("AAA", "BBB", "CCC"):
        make_site(actor=qa_reviewer, code=code, name=f"Site {code}")
    first = as_reviewer.get("/sites/", {"limit": "2", "q": "site"})
    assert [s.code for s in first.context["page"].rows] == ["AAA", "BBB"]
    next_url = first.context["next_url"]
    assert next_url.startswith("?limit=2&q=site&after=") and first.context["previous_url"] is None
    second = as_reviewer.get("/sites/" + next_url)
    assert [s.code for s in second.context["page"].rows] == ["CCC"]
    assert second.context["next_url"] is None and second.context["first_url"] == "?limit=2&q=site"
    back = as_reviewer.get("/sites/" + second.context["previous_url"])
    assert [s.code for s in back.context["page"].rows] == ["AAA", "BBB"]
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' in second.content.decode()
