from django.apps import AppConfig

from atmp.modules import Module, NavEntry


class ManufacturingConfig(AppConfig):
    name = "atmp.manufacturing"
    label = "manufacturing"
    verbose_name = "Manufacturing"
    atmp_module = Module(
        label="manufacturing",
        title="Manufacturing",
        urls="atmp.manufacturing.urls",
        api="atmp.manufacturing.api:router",
        cli="atmp.manufacturing.cli:manufacturing",
        cli_help="Manufacturing: products and process versions, master batch records, equipment with its "
        "qualification, calibration, maintenance, cleaning and logbook; rooms with their cleanings, line "
        "clearances and uses; OPC UA capture of process values.",
        nav=(NavEntry("Manufacturing", "manufacturing:index", "records.view"),),
        actions=("atmp.manufacturing.views.forms:for_record",),
        panels=("atmp.manufacturing.views.rooms:room_panel",),
        demo="atmp.manufacturing.demo:load",
        work=("atmp.manufacturing.selectors.equipment:equipment_work",),
        order=60,
    )

    def ready(self) -> None:
        """Count overdue equipment and render a queued batch PDF at every `atmp tick`; declare a batch's parts."""
        from atmp.ledger import parts, periodic
        from atmp.manufacturing.selectors.batches import batch_parts
        from atmp.manufacturing.selectors.equipment import overdue_summary
        from atmp.manufacturing.services.batch_pdfs import run_queued

        periodic.register("manufacturing.equipment_due", overdue_summary)
        # A long batch record's PDF is made here, off the request (ADR 0031); it records nothing in the
        # ledger, so it runs after the tick's checkpoint, which a render of minutes must not delay.
        periodic.register("manufacturing.batch_pdfs", run_queued, after_checkpoint=True)
        # A review of a batch's audit trail covers its steps and entries too (QP certification asks for it).
        parts.register("manufacturing.batch", batch_parts)
