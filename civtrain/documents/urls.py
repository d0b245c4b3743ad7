from django.urls import path

from civtrain.documents import views

app_name = "documents"

# Included at the site root: the verify page's address is short, for QR codes (/verify/<serial>/).
urlpatterns = [
    path("documents/", views.home, name="home"),
    path("documents/people/<int:person_id>/", views.person_documents, name="person"),
    path("documents/issue/", views.issue, name="issue"),
    path("documents/zips/", views.zip_start, name="zip_start"),
    path("documents/zips/<int:job_id>/", views.zip_job, name="zip_job"),
    path("documents/zips/<int:job_id>/progress/", views.zip_progress, name="zip_progress"),
    path("documents/zips/<int:job_id>/download/", views.zip_download, name="zip_download"),
    path("verify/", views.verify_upload, name="verify_upload"),
    path("verify/<str:serial>/", views.verify, name="verify"),
]
