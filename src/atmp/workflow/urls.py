"""The workflow's form posts, mounted at /workflow/; each declares its permission."""

from django.urls import path

from atmp.web.pages import page
from atmp.workflow import views

app_name = "workflow"

urlpatterns = [
    path("work/", page(views.my_work), name="work"),
    path("<str:record_type>/<str:record_id>/transitions/<str:name>/", page(views.take_transition), name="transition"),
    path("<str:record_type>/<str:record_id>/assignment/", page(views.assign), name="assign"),
    path("<str:record_type>/<str:record_id>/links/", page(views.add_link), name="link"),
    path("links/<str:link_id>/remove/", page(views.remove_link), name="unlink"),
]
