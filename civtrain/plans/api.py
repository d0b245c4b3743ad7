"""Public interface of annual plans (ZZ-O1)."""

from civtrain.plans import selectors, selfchecks, services
from civtrain.plans.data import (
    PLAN_STATUS_LABELS,
    OverdueUnit,
    PlanFindings,
    PlanStatus,
    default_deadline,
)
from civtrain.plans.models import AnnualPlan

__all__ = [
    "PLAN_STATUS_LABELS",
    "OverdueUnit",
    "PlanFindings",
    "PlanStatus",
    "default_deadline",
    "overdue_units",
    "plan_file",
    "plan_findings",
    "plan_open",
    "plan_return",
    "plan_submit",
    "plan_survey_attach",
    "planned_class_add",
    "planned_class_ids",
    "planned_class_link",
    "selfcheck_open",
    "selfcheck_review",
    "selfcheck_save",
    "selfcheck_submit",
]

plan_open = services.plan_open
planned_class_add = services.planned_class_add
planned_class_link = services.planned_class_link
plan_survey_attach = services.plan_survey_attach
plan_submit = services.plan_submit
plan_return = services.plan_return
plan_file = services.plan_file
overdue_units = selectors.overdue_units
# Self-checks (ZZ-O2, CQ-O1): the writes the demo data goes through.
selfcheck_open = selfchecks.selfcheck_open
selfcheck_save = selfchecks.selfcheck_save
selfcheck_submit = selfchecks.selfcheck_submit
selfcheck_review = selfchecks.selfcheck_review


def planned_class_ids(plan_id: int) -> list[int]:
    """A plan's planned classes, in the order they were added."""
    return list(
        selectors.PlannedClass.objects.filter(plan_id=plan_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def plan_findings(plan_id: int) -> PlanFindings | None:
    """The findings of the needs survey a plan answers, from the plan's own subtree."""
    plan = AnnualPlan.objects.select_related("org").get(pk=plan_id)
    return selectors.survey_findings(plan)
