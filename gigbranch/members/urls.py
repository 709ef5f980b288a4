from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("workers/", views.workers, name="workers"),
    path("workers/<int:pk>/", views.worker_detail, name="worker_detail"),
    path("workers/<int:pk>/reveal/<str:field>/", views.worker_reveal, name="worker_reveal"),
    path("workers/<int:pk>/mobile/", views.worker_mobile, name="worker_mobile"),
    path("workers/<int:pk>/consent/", views.worker_consent, name="worker_consent"),
    path("workers/<int:pk>/decision/", views.member_decision, name="member_decision"),
    path("workers/<int:pk>/payment/", views.member_payment, name="member_payment"),
    path("workers/<int:pk>/assessment/", views.member_assessment, name="member_assessment"),
    path("workers/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("workers/<int:pk>/model-post/", views.member_model_post, name="member_model_post"),
    path("members/", views.members, name="members"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<int:pk>/move/", views.transfer_move, name="transfer_move"),
    path("dues/", views.dues_ledger, name="dues_ledger"),
    path("honours/", views.honours, name="honours"),
    path("honours/workplace/<int:pk>/", views.workplace_honours, name="workplace_honours"),
    path("honours/teams/", views.vanguard_teams, name="vanguard_teams"),
    path("honours/teams/new/", views.vanguard_team_create, name="vanguard_team_create"),
    path(
        "honours/teams/member-search/",
        views.vanguard_member_search,
        name="vanguard_member_search",
    ),
    path("honours/teams/<int:pk>/edit/", views.vanguard_team_edit, name="vanguard_team_edit"),
    path("points/rules/", views.point_rules, name="point_rules"),
    path("points/rules/new/", views.point_rule_create, name="point_rule_create"),
    path("points/rules/<int:pk>/edit/", views.point_rule_edit, name="point_rule_edit"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("my/dues/", views.my_dues, name="my_dues"),
    path("my/points/", views.my_points, name="my_points"),
]
