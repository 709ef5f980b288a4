from django.urls import path

from . import views

app_name = "recruitment"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/steps/<int:step>/", views.record_step, name="record_step"),
    path("cases/<int:pk>/delays/<int:delay_pk>/review/", views.review_delay, name="review_delay"),
    path("cases/<int:pk>/assessments/", views.record_assessment, name="record_assessment"),
    path(
        "cases/<int:pk>/probation/<str:kind>/", views.probation_decision, name="probation_decision"
    ),
    path("cases/<int:pk>/stop/", views.stop_case, name="stop_case"),
    path("cases/<int:pk>/attachments/", views.attach, name="attach"),
    path("cases/<int:pk>/documents/<str:kind>.docx", views.case_document, name="case_document"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("documents/<str:kind>.docx", views.register_document, name="register_document"),
    path("rules/", views.rules, name="rules"),
    path("apply/", views.portal_apply, name="portal_apply"),
]
