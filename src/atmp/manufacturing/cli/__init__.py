"""`atmp manufacturing …`: products, process versions and equipment (cli/<area>.py each)."""

from __future__ import annotations

import click


@click.group()
def manufacturing() -> None:
    """Manufacturing: products, process versions, master batch records, equipment.

    \b
    Products: `atmp manufacturing product add|show|list`.
    Process versions: `atmp manufacturing process add|link|effective|show|list`;
    a version after the first becomes effective only with its approved change control linked.
    Equipment: `atmp manufacturing equipment register|show|list|usable|logbook`, its logbook
    entries `use|clean|calibrate|maintain|breakdown|qualification`, and QA's `qualify`.
    Rooms: `atmp manufacturing room list|status|ready|clean|clear|check|use|end`: the product and
    GMO class in each room, changeover cleaning and line clearance (checked by a second person).
    Calibration and maintenance due or overdue appear on `atmp work` (My work).
    Master batch records: `atmp manufacturing mbr add|edit|copy|effective|show|list`;
    drafted from a JSON file, effective only for an effective process version.
    OPC UA: `atmp manufacturing opcua read ENDPOINT NODE` reads one instrument value (a connection check).
    Batches: `atmp manufacturing batch create|show|start|param|capture|control|add|correct|verify|
    complete-step|complete|exceptions`: steps in order, entries as they happen, review by exception.

    Every change is made as --as USER, who gives their password (--password-file,
    $ATMP_PASSWORD, or asked).
    """


def _register() -> None:
    # One line per area: importing atmp.manufacturing.cli.<area> registers its commands on the group.
    from atmp.manufacturing.cli import batches, equipment, mbr, opcua, products, rooms  # noqa: F401


_register()
