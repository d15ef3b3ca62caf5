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
        nav=(
            NavEntry("Trace", "trace:index", "records.view"),
            NavEntry("Find a person", "trace:find_person", "identity.view"),
        ),
        panels=(
            "atmp.trace.panels:identity_panel",
            "atmp.trace.panels:bank_panel",
            "atmp.trace.panels:genealogy_panel",
            "atmp.trace.panels:retention_panel",
        ),
        demo="atmp.trace.demo:load",
        order=50,
    )

    def ready(self) -> None:
        """Put the sealed identities inside `atmp verify` (skip with --no-identities)."""
        from atmp.ledger import verify_hooks
        from atmp.trace.check import check_identities

        verify_hooks.register("identities", check_identities)
