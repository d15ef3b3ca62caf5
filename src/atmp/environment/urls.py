"""Environmental monitoring's pages, mounted at /environment/."""

from django.urls import path

from atmp.environment import views
from atmp.web.pages import page

app_name = "environment"

urlpatterns = [
    path("", page(views.rooms), name="rooms"),
    path("rooms/<str:site>/<str:code>/", page(views.room), name="room"),
    path("rooms/<str:site>/<str:code>/results/new/", page(views.enter_result), name="enter-result"),
]
