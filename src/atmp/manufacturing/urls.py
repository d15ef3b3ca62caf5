"""Manufacturing's pages, mounted at /manufacturing/."""

from django.urls import path

from atmp.manufacturing.views import batches, forms, mbr, pages, qualification, rooms
from atmp.web.pages import page

app_name = "manufacturing"

urlpatterns = [
    path("", page(pages.index), name="index"),
    path("products/", page(pages.products), name="products"),
    path("process-versions/", page(pages.process_versions), name="process_versions"),
    path("master-batch-records/", page(mbr.mbr_list), name="mbrs"),
    path("master-batch-records/new/", page(mbr.mbr_new), name="mbr_new"),
    path("master-batch-records/<int:record_id>/", page(mbr.mbr_page), name="mbr_page"),
    path("batches/", page(batches.batch_list), name="batches"),
    path("batches/<int:record_id>/", page(batches.batch_page), name="batch_page"),
    path("batches/<int:record_id>/pdf", page(batches.batch_pdf), name="batch_pdf"),
    path("batches/<int:record_id>/pdf/<int:job_id>", page(batches.batch_pdf_file), name="batch_pdf_file"),
    path("batches/<int:record_id>/steps/<int:step_number>/", page(batches.step_page), name="batch_step"),
    path("equipment/", page(pages.equipment_list), name="equipment"),
    path("equipment/<int:record_id>/", page(pages.equipment_page), name="equipment_page"),
    path("equipment/<int:record_id>/qualification/", page(qualification.qualification), name="equipment_qualification"),
    path("rooms/", page(rooms.rooms_page), name="rooms"),
    path("rooms/<int:record_id>/", page(rooms.room_page), name="room_page"),
    *forms.urlpatterns,
    *rooms.urlpatterns,
]
