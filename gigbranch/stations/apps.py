from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "gigbranch.stations"
    label = "stations"
