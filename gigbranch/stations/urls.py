from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("", views.station_list, name="list"),
    path("new/", views.station_create, name="create"),
    path("import/", views.station_import, name="import"),
    path("<int:pk>/", views.station_detail, name="detail"),
    path("<int:pk>/edit/", views.station_edit, name="edit"),
    path("<int:pk>/poster/", views.poster, name="poster"),
    path("<int:pk>/qr/regenerate/", views.qr_regenerate, name="qr_regenerate"),
    path("<int:pk>/closures/", views.closure_add, name="closure_add"),
    path("<int:pk>/closures/<int:closure_pk>/delete/", views.closure_remove, name="closure_remove"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/<int:pk>/", views.provider_schedule, name="provider"),
    path("bookings/<int:pk>/outcome/", views.booking_outcome, name="booking_outcome"),
    path("study/", views.article_list, name="articles"),
    path("study/new/", views.article_edit, name="article_create"),
    path("study/<int:pk>/", views.article_edit, name="article_edit"),
]
