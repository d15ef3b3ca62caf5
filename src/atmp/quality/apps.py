from django.apps import AppConfig

from atmp.modules import Module, NavEntry


class QualityConfig(AppConfig):
    name = "atmp.quality"
    label = "quality"
    verbose_name = "Quality"
    atmp_module = Module(
        label="quality",
        title="Quality",
        urls="atmp.quality.urls",
        api="atmp.quality.api:router",
        cli="atmp.quality.cli:quality",
        cli_help="The quality system: deviations, CAPA, change control, documents and training, KPIs.",
        nav=(NavEntry("Quality", "quality:index", "records.view"),),
        demo="atmp.quality.demo:load",
        actions=("atmp.quality.views.actions:for_record",),
        panels=("atmp.quality.views.panels:parts",),
        work=("atmp.quality.selectors.documents:training_work", "atmp.quality.selectors.changes:task_work"),
        link_targets=("quality.capa",),
        order=40,
    )

    def ready(self) -> None:
        """Open the periodic reviews of controlled documents that fall due, at every `atmp tick`."""
        from atmp.ledger import periodic
        from atmp.quality.periodic import open_due_reviews

        periodic.register("quality.document_reviews", open_due_reviews)
