from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "gigbranch.activities"
    label = "activities"
