from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("workers/", views.workers, name="workers"),
    path("workers/<int:pk>/", views.worker_detail, name="worker_detail"),
    path("workers/<int:pk>/reveal/<str:field>/", views.worker_reveal, name="worker_reveal"),
]
