from django.apps import AppConfig

from atmp.modules import Module, NavEntry


class EnvironmentConfig(AppConfig):
    name = "atmp.environment"
    label = "environment"
    verbose_name = "Environmental monitoring"
    atmp_module = Module(
        label="environment",
        title="Environmental monitoring",
        urls="atmp.environment.urls",
        api="atmp.environment.api:router",
        cli="atmp.environment.cli:environment",
        cli_help=(
            "Environmental monitoring (EU GMP Annex 1): rooms, sample points, the Annex 1 limits and the "
            "site's alert limits, results entered or imported and evaluated."
        ),
        nav=(NavEntry("Environment", "environment:rooms", "records.view"),),
        demo="atmp.environment.demo:load",
        order=60,
    )
