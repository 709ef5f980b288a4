from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "gigbranch.organizations"
    label = "organizations"
