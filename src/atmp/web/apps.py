from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "atmp.web"
    label = "web"
    verbose_name = "Web"
