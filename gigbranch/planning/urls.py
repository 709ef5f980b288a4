from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("layers/", views.layers, name="layers"),
    path("propose/", views.propose, name="propose"),
    path("save/", views.save, name="save"),
    path("candidates/upload/", views.upload, name="upload"),
    path("candidates/template/", views.candidate_template, name="template"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:pk>/", views.detail, name="detail"),
    path("proposals/<int:pk>/export/", views.export, name="export"),
]
