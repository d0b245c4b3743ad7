from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "civtrain.documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from civtrain.core import exports

        # A unit's or class's zip is served by the shared job pages (web: /exports/<id>/).
        exports.file_job_register(
            "documents_zip",
            exports.FileJobKind(
                opener="civtrain.documents.services:zip_file_open",
                heading=gettext_lazy("批量下载"),
                counts="documents",
                back_url="documents:home",
            ),
        )
