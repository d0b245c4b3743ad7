"""Public interface of annual plans (ZZ-O1)."""

from civtrain.plans import selectors, services
from civtrain.plans.data import PLAN_STATUS_LABELS, OverdueUnit, PlanStatus, default_deadline

__all__ = [
    "PLAN_STATUS_LABELS",
    "OverdueUnit",
    "PlanStatus",
    "default_deadline",
    "overdue_units",
    "plan_open",
]

plan_open = services.plan_open
overdue_units = selectors.overdue_units
