"""The common end of a service's write: validate the model, save it, record one audit row.

Services still decide who may write and what the values are; these helpers only replace
the validate / save / audit lines every registry service (catalogue, faculty,
institutions, classes) used to repeat.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import ValidationFailed


def checked(obj: models.Model) -> None:
    """full_clean() with Django's messages turned into ValidationFailed: a 422, not a 500.
    Uniqueness is left to the services, which word it for people."""
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        messages = {k: "".join(str(m) for m in v) for k, v in exc.message_dict.items()}
        labels = {f.name: str(getattr(f, "verbose_name", f.name)) for f in obj._meta.get_fields()}
        summary = "；".join(f"{labels.get(k, k)}：{m}" for k, m in messages.items())
        # details.fields in the API's one shape (a list of field, message, type), which the
        # OpenAPI schema documents; it was a dict here (#8 item 11, a schema violation).
        fields = [
            {"field": k, "message": m, "type": "validation_error"} for k, m in messages.items()
        ]
        raise ValidationFailed(f"输入有误：{summary}", {"fields": fields}) from None


def values_of(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """The named attributes, for an audit row's before/after (see core.audit.diff)."""
    return {name: getattr(obj, name) for name in names}


def save_audited(
    obj: models.Model,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    label: str,
    changes: Mapping[str, Any],
    org_path: str = "",
) -> None:
    """checked(), save(), and the audit row: the caller's transaction holds all three."""
    checked(obj)
    obj.save()
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=obj.pk,
        object_label=label,
        org_path=org_path,
        changes=changes,
    )
