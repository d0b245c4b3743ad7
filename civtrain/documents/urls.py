from django.urls import path

from civtrain.documents import views

app_name = "documents"

# Included at the site root: the verify page's address is short, for QR codes (/verify/<serial>/).
urlpatterns = [
    path("documents/", views.home, name="home"),
    path("documents/people/<int:person_id>/", views.person_documents, name="person"),
    path("documents/issue/", views.issue, name="issue"),
    path("documents/zips/", views.zip_start, name="zip_start"),
    path("documents/half-year-notice/", views.half_year_notice, name="half_year_notice"),
    path("verify/", views.verify_upload, name="verify_upload"),
    path("verify/<str:serial>/", views.verify, name="verify"),
]
