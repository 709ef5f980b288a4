from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "gigbranch.recruitment"
    label = "recruitment"
