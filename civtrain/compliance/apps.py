"""Rule sets as data, the compliance engine and its assessment consequences (issue 4)."""

from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "civtrain.compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # The ledger cannot import compliance (compliance imports credits): it lends us the
        # rule set's 学时-per-day for its conversions (PR-2; known debt, issue #9 item 2).
        # Ledger writes reach us through the ledger's outbox, which tasks.refresh_stale pulls.
        from civtrain.compliance import conversions
        from civtrain.credits.api import register_hours_per_day

        register_hours_per_day(conversions.hours_per_day)
