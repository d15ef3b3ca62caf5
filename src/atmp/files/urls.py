"""The Files pages, mounted at /files/ (atmp.modules); each view declares its permission."""

from django.urls import path

from atmp.files import views

app_name = "files"

urlpatterns = [
    path("<int:file_id>/download/", views.download, name="download"),
    path("attach/<str:record_type>/<str:record_id>/", views.upload, name="upload"),
    path("attachments/<int:attachment_id>/detach/", views.detach, name="detach"),
]
