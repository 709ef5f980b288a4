from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_mobile, name="login"),
    path("login/verify/", views.login_verify, name="verify"),
    path("logout/", views.logout_view, name="logout"),
    path("consent/", views.consent, name="consent"),
    path("link/", views.link, name="link"),
    path("me/", views.me, name="me"),
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/export/", views.my_data_export, name="my_data_export"),
    path("stations/", views.stations, name="stations"),
    path("stations/map/", views.stations_map, name="stations_map"),
    path("stations/<int:pk>/", views.station, name="station"),
    path("c/<str:token>/", views.checkin, name="checkin"),
    path("services/", views.service_list, name="services"),
    path("services/<int:pk>/", views.provider, name="provider"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("study/", views.study, name="study"),
    path("study/<int:pk>/", views.article, name="article"),
    path("activities/", views.activities, name="activities"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
]
