"""Modules that plug in: each domain module declares its pages, API, CLI and menu entries once.

A module's AppConfig carries `atmp_module = Module(...)`; the shell (web URLs, the API, the `atmp`
command, the navigation, the record page's panels) reads the installed modules from here, so adding
a module edits no shell file. Imports stay lazy (dotted paths): `atmp verify` must not import SciPy.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

# The domain modules installed, in module order (DESIGN.md: a module imports only those above it).
# settings.INSTALLED_APPS takes them from here, and so does the `atmp` command, which must list its
# groups before Django is set up. Adding a module is adding its name here.
DOMAIN_APPS: tuple[str, ...] = (
    "atmp.files",
    "atmp.printing",
    "atmp.workflow",
    "atmp.quality",
    "atmp.trace",
    "atmp.environment",
    "atmp.manufacturing",
    "atmp.lab",
)


@dataclass(frozen=True)
class NavEntry:
    """One link in the top bar: shown to users who hold the permission."""

    label: str
    url_name: str
    permission: str


@dataclass(frozen=True)
class Panel:
    """One section of a record page (and of its PDF): a template and what it needs.

    A panel function, named in Module.panels, is called as `fn(user, record, *, for_print=False)`
    and returns a Panel, or None when it has nothing to show for this record. In print, user is
    None when `atmp print` runs without --as (the command line reads as the database's owner).
    The shell renders the title (and context["subtitle"], if any) as the section's heading, then
    includes the template with the page's context plus `panel` (this object), so it can use
    {% csrf_token %} for its forms; with for_print it must render without forms or scripts. A
    panel whose slug is one of the shell's ("status") takes the place of the shell's panel.
    """

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # Lower numbers come first; the shell's own panels: fields 10, status 20, signatures 60, history 90.
    order: int = 50
    # The panel's id in the page (an anchor and the test hook), e.g. "links".
    slug: str = ""


@dataclass(frozen=True)
class Module:
    """What a domain module contributes to the shell.

    urls: a dotted module with `urlpatterns` and `app_name`, mounted at `/<prefix>/`.
    api: "package.module:router", a django-ninja Router added to /api/v1/.
    cli: "package.module:group", a click group added to `atmp` (imported when it is used).
    panels: "package.module:function" each, record-page panels (the Panel contract below).
    """

    label: str
    title: str
    urls: str | None = None
    prefix: str | None = None
    api: str | None = None
    cli: str | None = None
    cli_help: str = ""
    nav: tuple[NavEntry, ...] = ()
    panels: tuple[str, ...] = ()
    # "package.module:function" each: the record page's buttons for writes the module offers,
    # `fn(user, record) -> [{"label", "url", "kind"}]`, only those the user may take.
    actions: tuple[str, ...] = ()
    # "package.module:command" each: top-level `atmp` commands (e.g. `atmp work`).
    commands: tuple[str, ...] = ()
    # "package.module:function" each: what waits for a person, `fn(user, today) -> list[WorkItem]`
    # (atmp.workflow.work), shown on My work.
    work: tuple[str, ...] = ()
    # "package.module:function": loads the module's part of the demo programme, called by
    # `atmp demo` after the kernel's part as `fn(people: dict[str, User], sites: dict[str, Site])`.
    demo: str | None = None
    # "package.module:function": the status of each test of a cell bank's ICH Q5D panel,
    # `fn(bank) -> {test code: status}` (atmp.trace.bank_panel's statuses). Lab fills it from QC's
    # results; trace reads it to refuse a bank's release and to show the bank page, importing no lab.
    bank_panel: str | None = None
    # "package.module:function": test a bank's panel, every result conforming and reviewed, before QA
    # releases it, `fn(bank, people=None)`: trace's demo (with its people) and test set-ups call it.
    bank_testing: str | None = None
    # Record types whose open records the links panel offers as a link's target (a datalist of
    # suggestions; any key may still be typed), e.g. "quality.capa": a deviation, a complaint or a
    # change control is linked to the CAPA that addresses it.
    link_targets: tuple[str, ...] = ()
    # Lower numbers come first in the menu and on the record page.
    order: int = 100
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url_prefix(self) -> str:
        """Return the path the module's pages are mounted at, without slashes."""
        return self.prefix if self.prefix is not None else self.label


def installed() -> list[Module]:
    """Return the modules of the installed apps that declare one, in menu order."""
    from django.apps import apps

    found = [m for c in apps.get_app_configs() if isinstance(m := getattr(c, "atmp_module", None), Module)]
    return sorted(found, key=lambda m: (m.order, m.label))


def declared() -> list[Module]:
    """Return the modules DOMAIN_APPS declare, read from their AppConfig classes without Django set up."""
    from django.apps import AppConfig

    found = []
    for app in DOMAIN_APPS:
        apps_module = importlib.import_module(f"{app}.apps")
        for value in vars(apps_module).values():
            if isinstance(value, type) and issubclass(value, AppConfig) and value is not AppConfig:
                spec = getattr(value, "atmp_module", None)
                if isinstance(spec, Module):
                    found.append(spec)
    return sorted(found, key=lambda m: (m.order, m.label))


def load(dotted: str) -> Any:
    """Return the object named "package.module:attribute"."""
    module_name, _, attribute = dotted.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module
