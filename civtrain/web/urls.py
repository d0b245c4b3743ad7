from django.contrib.auth import views as auth_views
from django.urls import path

from civtrain.web import system, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit, name="audit"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("healthz", views.healthz, name="healthz"),
    path("system/", system.system, name="system"),
    path("exports/<int:job_id>/", views.export_job, name="export_job"),
    path("exports/<int:job_id>/progress/", views.export_progress, name="export_progress"),
    path("exports/<int:job_id>/download/", views.export_download, name="export_download"),
    path("filters/save/", views.saved_filter_save_view, name="saved_filter_save"),
    path(
        "filters/<int:filter_id>/delete/",
        views.saved_filter_delete_view,
        name="saved_filter_delete",
    ),
]
