"""`{% learner_progress person_id as progress %}` for the learner's home (web/home.html)."""

from typing import Any

from django import template

from civtrain.compliance.api import learner_progress_context

register = template.Library()


@register.simple_tag
def learner_progress(person_id: int, year: int | None = None) -> dict[str, Any]:
    return learner_progress_context(person_id, year=year)
