from django.apps import AppConfig


class SeedingConfig(AppConfig):
    name = "gigbranch.seeding"
    label = "seeding"
    verbose_name = "演示数据"
