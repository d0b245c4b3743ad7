"""Template helpers of the site shell."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from civtrain.enrolment.api import class_counts
from civtrain.evaluation.api import (
    InstitutionYear,
    RatingPoint,
    TaughtSession,
    institution_years,
    teacher_rating_history,
    teacher_sessions,
)
from civtrain.materials.api import class_materials, course_materials, may_use_library
from civtrain.people.api import person_count_by_subtree
from civtrain.web.saved_filters import clean_query, saved_filter_list

register = template.Library()


@register.simple_tag
def select_field(field: BoundField) -> SafeString:
    """A <select> for a ChoiceField, built in one pass: Django's Select widget renders each
    option through a template of its own, which makes unit pickers with hundreds of
    organisations the slowest part of a page."""
    value = field.value()
    current = "" if value is None else str(value)
    choices: Any = field.field.choices  # type: ignore[attr-defined]
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, SafeString(" selected") if str(key) == current else "", label)
            for key, label in choices
        ),
    )
    invalid = " is-invalid" if field.errors else ""
    required = SafeString(" required") if field.field.required else ""
    return format_html(
        '<select name="{}" id="{}" class="form-select{}"{}>{}</select>',
        field.html_name,
        field.id_for_label,
        invalid,
        required,
        options,
    )


# --- a higher app's figures on a lower app's page (#9 item 5) -----------------------------
# The site shell sits above every domain app, so these tags may read any app's api; the
# lower app's page loads them instead of importing the higher app (no cycle between apps).


def _parent_path(path: str) -> str:
    return path[: path.rstrip("/").rfind("/") + 1]


@register.simple_tag(takes_context=True)
def with_people_counts(context: template.Context, rows: Iterable[Any]) -> list[tuple[Any, int]]:
    """Each organisation tree row (`row.node`) with the active people in its whole subtree
    that the user may see: one GROUP BY per parent node, not one query per row."""
    rows = list(rows)
    actor = context["request"].user
    counts: dict[str, int] = {}
    for parent, end in {(_parent_path(r.node.path), len(r.node.path)) for r in rows}:
        counts.update(person_count_by_subtree(actor, parent, end))
    return [(r, counts.get(r.node.path, 0)) for r in rows]


@register.simple_tag(takes_context=True)
def people_in_subtree(context: template.Context, path: str) -> int:
    """Active people the user may see in the organisation subtree at `path`."""
    return person_count_by_subtree(context["request"].user, path, len(path)).get(path, 0)


@register.simple_tag
def class_enrolment_counts(class_id: int) -> dict[str, int]:
    """A training class's enrolments per status (the classes app's detail page)."""
    return class_counts(class_id)


@register.simple_tag
def teacher_ratings(teacher_id: int) -> list[RatingPoint]:
    """A teacher's rating year by year from the evaluations (the faculty app's page, CQ-B2)."""
    return teacher_rating_history(teacher_id)


@register.simple_tag
def teacher_taught(teacher_id: int) -> list[TaughtSession]:
    """The sessions a teacher taught in evaluated classes, each with its rating (CQ-B2)."""
    return teacher_sessions(teacher_id)


@register.simple_tag
def institution_record(institution_id: int) -> list[InstitutionYear]:
    """An institution's classes, trainees and score year by year (CQ-B1)."""
    return institution_years(institution_id)


@register.inclusion_tag("materials/_attached.html", takes_context=True)
def attached_materials(context: template.Context, kind: str, object_id: int) -> dict[str, Any]:
    """The teaching materials of a class (`kind` "class") or an online course ("course") that
    the user may download, current versions (CQ-B4, #16 item 2; the classes and learning
    pages include this: both apps sit below materials)."""
    actor = context["request"].user
    found = class_materials if kind == "class" else course_materials
    return {"materials": found(actor, object_id), "library": may_use_library(actor)}


@register.inclusion_tag("web/partials/saved_filters.html", takes_context=True)
def saved_filters(context: dict[str, Any]) -> dict[str, Any]:
    """The list's saved filters and a form to save the current ones (issue #11 item 2)."""
    request = context["request"]
    return {
        "csrf_token": context.get("csrf_token"),
        "path": request.path,
        "query": clean_query(request.GET.urlencode()),
        "saved": list(saved_filter_list(user_id=int(request.user.pk or 0), path=request.path)),
    }
