from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "civtrain.people"
    verbose_name = "People"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from civtrain.core import exports

        # A large roster export is served by the shared job pages (web: /exports/<id>/).
        exports.file_job_register(
            "roster_export",
            exports.FileJobKind(
                opener="civtrain.people.views:roster_export_file_open",
                heading=gettext_lazy("名册导出"),
                personal_data=True,
                back_url="people:list",
            ),
        )
