from django.apps import AppConfig

from atmp.modules import Module


class TraceConfig(AppConfig):
    name = "atmp.trace"
    label = "trace"
    verbose_name = "Traceability"
    atmp_module = Module(
        label="trace",
        title="Traceability",
        api="atmp.trace.api:router",
        cli="atmp.trace.cli:trace",
        cli_help="Traceability: materials, lots, donors and patients, genealogy, forward and backward trace.",
        order=50,
    )
