from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "gigbranch.members"
    label = "members"
