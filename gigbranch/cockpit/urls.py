from django.urls import path

from . import views

app_name = "cockpit"
urlpatterns = [
    path("", views.home, name="home"),
    path("screen/", views.screen, name="screen"),
    path("map/", views.map_data, name="map"),
    path("reports/", views.reports_page, name="reports"),
    path("reports/<int:pk>/", views.report_file, name="report_file"),
    path("ledgers/<str:key>.xlsx", views.ledger_file, name="ledger"),
]
