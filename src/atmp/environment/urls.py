"""Environmental monitoring's pages, mounted at /environment/."""

from django.urls import path

from atmp.environment import trend_views, views
from atmp.web.operations import operation_view
from atmp.web.pages import page

app_name = "environment"

urlpatterns = [
    path("", page(views.rooms), name="rooms"),
    path("rooms/<str:site>/<str:code>/", page(views.room), name="room"),
    path("rooms/<str:site>/<str:code>/results/new/", page(views.enter_result), name="enter-result"),
    path("rooms/<str:site>/<str:code>/points/<str:point>/", page(trend_views.point), name="point"),
    path("alerts/", page(trend_views.alerts), name="alerts"),
    path("alerts/<int:record_id>/assess/", operation_view(trend_views.ASSESS), name="assess-alert"),
    path("summary/<str:site>/", page(trend_views.summary), name="summary"),
    path("summary/<str:site>/pdf/", page(trend_views.summary_pdf), name="summary-pdf"),
]
