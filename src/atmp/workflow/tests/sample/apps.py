from django.apps import AppConfig


class SampleConfig(AppConfig):
    name = "atmp.workflow.tests.sample"
    label = "sample"
    verbose_name = "Workflow test sample"
