"""A site's label set-up: the sizes it prints lot labels on, the default one, and whether it labels per ISBT 128."""

from __future__ import annotations

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.ledger import writer
from atmp.quality.services import edits
from atmp.trace.labels import sizes as label_sizes
from atmp.trace.models import LabelSetup

MAX_SIZES = 12


def set_up_labels(
    *,
    actor: User,
    site: Site,
    sizes: list[str],
    default_size: str | None = None,
    isbt128: bool = False,
    reason: str = "",
) -> LabelSetup:
    """Set the label sizes a site prints on (the first is the default unless named) and whether it uses ISBT 128."""
    edits.check_writer(actor, LabelSetup, site=site)
    names = checked_sizes(sizes)
    default = names[0]
    if default_size:
        try:
            default = label_sizes.parse(default_size).name
        except label_sizes.SizeError as exc:
            raise InvalidInput("default_size", str(exc)) from None
        if default not in names:
            raise InvalidInput("default_size", f"{default} is not one of the site's sizes ({', '.join(names)})")
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # one set-up a site: two set-ups at once must not both create one
        setup = LabelSetup.objects.filter(site=site).first()
        if setup is None:
            setup = LabelSetup(site=site)
        elif not reason.strip():
            raise InvalidInput("reason", f"say why the labels of site {site.code} change: every change needs a reason")
        setup.sizes, setup.default_size, setup.isbt128 = names, default, bool(isbt128)
        ch.save(setup)
    return setup


def checked_sizes(sizes: list[str]) -> list[str]:
    """Return the size names read (50x25mm, 4x6in), once each, in order, or refuse the first bad one."""
    names: list[str] = []
    for given in sizes:
        try:
            name = label_sizes.parse(given).name
        except label_sizes.SizeError as exc:
            raise InvalidInput("sizes", str(exc)) from None
        if name not in names:
            names.append(name)
    if not names:
        raise InvalidInput("sizes", "name at least one label size, e.g. 50x25mm, 100x50mm or 4x6in")
    if len(names) > MAX_SIZES:
        raise InvalidInput("sizes", f"at most {MAX_SIZES} sizes a site; got {len(names)}")
    return names
