from django.apps import AppConfig

from atmp.modules import Module, NavEntry


class WorkflowConfig(AppConfig):
    name = "atmp.workflow"
    label = "workflow"
    verbose_name = "Workflow"
    atmp_module = Module(
        label="workflow",
        title="Workflow",
        urls="atmp.workflow.urls",
        api="atmp.workflow.api:router",
        cli="atmp.workflow.cli:workflow",
        cli_help="Take a record's workflow transitions, assign it, link it to other records.",
        panels=("atmp.workflow.panels:status_panel", "atmp.workflow.panels:links_panel"),
        commands=("atmp.workflow.cli:work",),
        nav=(NavEntry("My work", "workflow:work", "records.view"),),
        order=30,
    )

    def ready(self) -> None:
        """Remind the owners of overdue records at every `atmp tick`."""
        from atmp.ledger import periodic
        from atmp.workflow.reminders import remind_overdue

        periodic.register("workflow.reminders", remind_overdue)
