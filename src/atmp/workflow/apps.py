from django.apps import AppConfig

from atmp.modules import Module


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
        order=30,
    )
