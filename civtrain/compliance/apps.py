"""Rule sets as data, the compliance engine and its assessment consequences (issue 4)."""

from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "civtrain.compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # The ledger cannot import compliance (compliance imports credits): it lends us its
        # two hooks instead — re-evaluation after a write (issue 4 §4) and the rule set's
        # 学时-per-day for conversions (PR-2).
        from civtrain.compliance import conversions, tasks
        from civtrain.credits.api import ledger_written, register_hours_per_day

        ledger_written.connect(
            tasks.on_ledger_written, sender="credits", dispatch_uid="compliance.stale"
        )
        register_hours_per_day(conversions.hours_per_day)
