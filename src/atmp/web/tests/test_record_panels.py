"""The record page composes panels: the shell's own and those of every installed module, in their order."""

import pytest

from atmp import modules
from atmp.modules import Module, Panel
from atmp.web import record_page

CALLS: list[bool] = []


def notes_panel(user, record, *, for_print=False):
    """A module's panel: shown on every site record, with a form only on screen."""
    CALLS.append(for_print)
    if record.record_type() != "accounts.site":
        return None
    return Panel("Notes", "web/tests/notes_panel.html", {"count": 3}, order=40, slug="notes")


def nothing_panel(user, record, *, for_print=False):
    return None


@pytest.fixture
def notes_module(monkeypatch, settings, tmp_path):
    folder = tmp_path / "web" / "tests"
    folder.mkdir(parents=True)
    (folder / "notes_panel.html").write_text(
        '<p data-testid="notes">{{ panel.context.count }} notes on {{ title }}</p>'
        '{% if not for_print %}<form method="post">{% csrf_token %}<button>Add a note</button></form>{% endif %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path), *settings.TEMPLATES[0].get("DIRS", [])]}]
    module = Module(
        label="notes",
        title="Notes",
        panels=(f"{__name__}:notes_panel", f"{__name__}:nothing_panel"),
    )
    monkeypatch.setattr(modules, "installed", lambda: [module])
    CALLS.clear()
    return module


def test_a_module_panel_appears_on_the_record_page(notes_module, as_inspector, site):
    page = as_inspector.get(f"/records/accounts.site/{site.pk}/").content.decode()
    assert 'data-testid="panel-notes"' in page and "3 notes on" in page and "Add a note" in page
    assert CALLS == [False]


def test_panels_come_in_their_order(notes_module, inspector, site):
    slugs = [p.slug for p in record_page.panels(inspector, site)]
    assert slugs == ["fields", "status", "notes", "signatures", "history"]


def test_the_print_variant_is_asked_for_and_has_no_form(notes_module, inspector, site):
    import datetime as dt

    html = record_page.print_html(inspector, site, printed_at=dt.datetime.now(dt.UTC))
    assert "3 notes on" in html and "<form" not in html and "<script" not in html and "<nav" not in html
    assert CALLS == [True]


def test_a_panel_with_nothing_to_show_is_left_out(notes_module, inspector, qa_reviewer):
    assignment = qa_reviewer.assignments.get()
    assert [p.slug for p in record_page.panels(inspector, assignment)] == ["fields", "status", "signatures", "history"]


def state_panel(user, record, *, for_print=False):
    return Panel("Status", "web/tests/notes_panel.html", {"count": 0}, order=20, slug="status")


def test_a_module_panel_with_a_shell_panel_s_slug_takes_its_place(notes_module, monkeypatch, inspector, site):
    replacing = Module(label="states", title="States", panels=(f"{__name__}:state_panel",))
    monkeypatch.setattr(modules, "installed", lambda: [replacing])
    shown = record_page.panels(inspector, site)
    assert [p.slug for p in shown] == ["fields", "status", "signatures", "history"]
    assert shown[1].template == "web/tests/notes_panel.html"
