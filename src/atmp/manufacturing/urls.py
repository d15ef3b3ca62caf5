"""Manufacturing's pages, mounted at /manufacturing/."""

from django.urls import path

from atmp.manufacturing.views import forms, pages, qualification, rooms
from atmp.web.pages import page

app_name = "manufacturing"

urlpatterns = [
    path("", page(pages.index), name="index"),
    path("products/", page(pages.products), name="products"),
    path("process-versions/", page(pages.process_versions), name="process_versions"),
    path("equipment/", page(pages.equipment_list), name="equipment"),
    path("equipment/<int:record_id>/", page(pages.equipment_page), name="equipment_page"),
    path("equipment/<int:record_id>/qualification/", page(qualification.qualification), name="equipment_qualification"),
    path("rooms/", page(rooms.rooms_page), name="rooms"),
    path("rooms/<int:record_id>/", page(rooms.room_page), name="room_page"),
    *forms.urlpatterns,
    *rooms.urlpatterns,
]
