from django.urls import path

from . import views

app_name = "appeals"
urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.intake, name="intake"),
    path("kpi/", views.kpi, name="kpi"),
    path("kpi/export.xlsx", views.kpi_export, name="kpi_export"),
    path("notifications/", views.notifications, name="notifications"),
    path("sms-outbox/", views.sms_outbox, name="sms_outbox"),
    path("photo/<int:pk>/", views.photo, name="photo"),
    path("routing/", views.routing_rules, name="routing"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.appeal_action, name="action"),
    path("m/", views.portal_list, name="portal_list"),
    path("m/new/", views.portal_new, name="portal_new"),
    path("m/photo/<int:pk>/", views.portal_photo, name="portal_photo"),
    path("m/<str:tracking_no>/", views.portal_detail, name="portal_detail"),
]
