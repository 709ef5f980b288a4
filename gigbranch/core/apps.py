from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gigbranch.core"
    label = "core"
    verbose_name = "基础"
