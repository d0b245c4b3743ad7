"""Template helpers of the site shell."""

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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
