"""Site isolation for lists: which entries, records and users a site-limited user may see.

services.can_see is the rule for one record; this module is the same rule as SQL, so that a list
(the audit trail, the home page, the user directory) filters in the database and pages stay keyset
pages. A user assigned to every site gets None ("no filter"): their queries are exactly what they
were before site isolation, with no extra join.

How a record reaches its site: a Site is its own site; a record with a `site` field belongs to
that site (no site: every site sees it); a record type that reaches its site another way declares
it as a class attribute `site_path`, a lookup ending at a Site's id (e.g. "batch__site_id"), or None
for a record that belongs to no site. A type whose records are shared with other sites too (a
shipment with the site it goes to) declares `shared_site_paths`, lookups to those sites' ids: the
users of those sites see the record as well. Entries of a record are visible when the record is.
"""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from atmp.accounts.models import RoleAssignment, Site, User
from atmp.ledger.records import GmpRecord, gmp_models

USER_TYPE = "accounts.user"
CLIENT_TYPE = "client"  # atmp.accounts.refusals: refused writes, by client address


def site_path(model: type[GmpRecord]) -> str | None:
    """Return the lookup from a record of this type to its site's id ("pk" for a site), or None."""
    if issubclass(model, Site):
        return "pk"
    if hasattr(model, "site_path"):
        declared: str | None = model.site_path
        return declared
    names = {f.name for f in model._meta.concrete_fields}
    return "site_id" if "site" in names else None


def shared_paths(model: type[GmpRecord]) -> tuple[str, ...]:
    """Return the lookups to the other sites a record of this type is shared with (a shipment's destination)."""
    paths: tuple[str, ...] = getattr(model, "shared_site_paths", ())
    return paths


def shared_sites_of(record: GmpRecord) -> set[int]:
    """Return the ids of the other sites a record is shared with (none for most records)."""
    found: set[int] = set()
    for path in shared_paths(type(record)):
        if "__" not in path:
            value = getattr(record, path, None)
        else:
            value = type(record)._default_manager.filter(pk=record.pk).values_list(path, flat=True).first()
        if value is not None:
            found.add(value)
    return found


def site_of(record: GmpRecord) -> int | None:
    """Return the id of the site a record belongs to, or None for a record of every site."""
    path = site_path(type(record))
    if path is None:
        return None
    if path == "pk":
        return record.pk  # type: ignore[no-any-return]
    if "__" not in path:
        return getattr(record, path, None)
    found = type(record)._default_manager.filter(pk=record.pk).values_list(path, flat=True).first()
    return found


def visible_sites(viewer: User) -> QuerySet[Site]:
    """Return the sites the viewer may see: their own, or all for a user assigned to every site."""
    ids = viewer.site_ids()
    sites = Site.objects.all()
    return sites if ids is None else sites.filter(pk__in=ids)


def visible_records(viewer: User, rows: QuerySet) -> QuerySet:  # type: ignore[type-arg]
    """Return the rows (GmpRecords of one type) that belong to the viewer's sites or to every site."""
    ids = viewer.site_ids()
    path = site_path(rows.model)
    if ids is None or path is None:
        return rows
    if path == "pk":
        return rows.filter(pk__in=ids)
    seen = Q(**{f"{path}__in": ids}) | Q(**{f"{path}__isnull": True})
    for shared in shared_paths(rows.model):
        seen |= Q(**{f"{shared}__in": ids})
    return rows.filter(seen)


def visible_users(viewer: User) -> QuerySet[User]:
    """Return the accounts the viewer may see: all, or those working at one of the viewer's sites or at all sites."""
    ids = viewer.site_ids()
    users = User.objects.all()
    if ids is None:
        return users
    working_here = RoleAssignment.objects.filter(voided=False).filter(Q(site__isnull=True) | Q(site_id__in=ids))
    return users.filter(Q(pk__in=working_here.values("user_id")) | Q(pk=viewer.pk))


def visible_assignments(viewer: User) -> QuerySet[RoleAssignment]:
    """Return the role assignments the viewer may see: at the viewer's sites or at every site."""
    ids = viewer.site_ids()
    rows = RoleAssignment.objects.all()
    return rows if ids is None else rows.filter(Q(site__isnull=True) | Q(site_id__in=ids))


def entry_scope(viewer: User) -> Q | None:
    """Return the condition on AuditEntry of what the viewer may see, or None for everything.

    An entry is hidden when it is about a record at a site the viewer does not work at, or about
    an account the viewer does not see; entries about nothing site-bound (checkpoints, reviews,
    records of every site) stay visible.
    """
    ids = viewer.site_ids()
    if ids is None:
        return None
    hidden = Q()
    for model in gmp_models():
        path = site_path(model)
        if path is None:
            continue
        elsewhere = model._default_manager.exclude(**{f"{path}__in": ids})
        for shared in shared_paths(model):
            elsewhere = elsewhere.exclude(**{f"{shared}__in": ids})
        if path != "pk":
            elsewhere = elsewhere.filter(**{f"{path}__isnull": False})
        hidden |= Q(record_type=model.record_type(), record_id__in=_ids_as_text(elsewhere))
    others = User.objects.exclude(pk__in=visible_users(viewer).values("pk"))
    hidden |= Q(record_type=USER_TYPE, record_id__in=_ids_as_text(others))
    # Refused writes name client addresses and paths of every site: for all-sites reviewers only.
    hidden |= Q(record_type=CLIENT_TYPE)
    return ~hidden


def _ids_as_text(rows: QuerySet) -> QuerySet:  # type: ignore[type-arg]
    # AuditEntry.record_id is text; PostgreSQL compares text with text only.
    return rows.annotate(_key=Cast("pk", output_field=CharField())).values("_key")
