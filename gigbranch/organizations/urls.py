from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("tree/<int:pk>/children/", views.tree_children, name="tree_children"),
    path("new/", views.organization_create, name="create"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("reveal/<str:model>/<int:pk>/<str:field>/", views.phone_reveal, name="phone_reveal"),
    path("<int:pk>/edit/", views.organization_edit, name="edit"),
    path("<int:pk>/move/", views.organization_move, name="move"),
    path(
        "<int:pk>/transfer-letter-days/",
        views.transfer_letter_days,
        name="transfer_letter_days",
    ),
    path("<int:pk>/committee/", views.committee_add, name="committee_add"),
    path(
        "<int:pk>/committee/<int:member_pk>/remove/",
        views.committee_remove,
        name="committee_remove",
    ),
    path("workplaces/", views.workplaces, name="workplaces"),
    path("workplaces/new/", views.workplace_create, name="workplace_create"),
    path("workplaces/<int:pk>/", views.workplace_detail, name="workplace"),
    path("workplaces/<int:pk>/edit/", views.workplace_edit, name="workplace_edit"),
    path(
        "workplaces/<int:pk>/instructor/",
        views.workplace_assign_instructor,
        name="workplace_instructor",
    ),
    path("instructors/", views.instructors, name="instructors"),
    path("instructors/new/", views.instructor_create, name="instructor_create"),
    path("instructors/<int:pk>/edit/", views.instructor_edit, name="instructor_edit"),
    path("rules/", views.ruleset_edit, name="ruleset"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/points/", views.coverage_points, name="coverage_points"),
    path("findings/", views.findings, name="findings"),
    path("findings/recheck/", views.findings_recheck, name="findings_recheck"),
    path("import/<str:kind>/", views.import_start, name="import"),
    path("import/<str:kind>/template/", views.import_template, name="import_template"),
    path("import/<str:kind>/apply/", views.import_apply, name="import_apply"),
    path("export/<str:kind>/", views.export_ledger, name="export"),
]
