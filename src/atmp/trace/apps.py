from django.apps import AppConfig

from atmp.modules import Module, NavEntry


class TraceConfig(AppConfig):
    name = "atmp.trace"
    label = "trace"
    verbose_name = "Traceability"
    atmp_module = Module(
        label="trace",
        title="Traceability",
        urls="atmp.trace.urls",
        api="atmp.trace.api:router",
        cli="atmp.trace.cli:trace",
        cli_help=(
            "Traceability and the chain of identity: identifiers, materials, lots, donors and patients, "
            "genealogy, forward and backward trace."
        ),
        nav=(NavEntry("Trace", "trace:index", "records.view"),),
        order=50,
    )
