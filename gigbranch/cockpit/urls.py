from django.urls import path

from gigbranch.core import views as core_views

app_name = "cockpit"
urlpatterns = [path("", core_views.home, name="home")]
