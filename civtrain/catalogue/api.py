"""Public interface of the catalogue: subject names and codes for other apps."""

from collections.abc import Iterable

from civtrain.catalogue import selectors, services
from civtrain.catalogue.data import (
    DELIVERY_MODE_LABELS,
    TRAINING_TYPE_LABELS,
    DeliveryMode,
    TrainingType,
)

__all__ = [
    "DELIVERY_MODE_LABELS",
    "TRAINING_TYPE_LABELS",
    "DeliveryMode",
    "TrainingType",
    "subject_create",
    "subject_names",
    "subject_update",
    "subjects_unknown",
]

subject_create = services.subject_create
subject_update = services.subject_update


def subject_names(*, include_inactive: bool = False) -> dict[str, str]:
    """Subject code → name, in display order.

    The one subject taxonomy (issue 10 item 10): classes, the ledger, imports and rule sets
    all validate against this table, so a subject the city bureau adds is valid everywhere.
    A deactivated subject stays valid (old records and rules name it) but leaves the pickers
    (include_inactive=False)."""
    return dict(
        selectors.subject_list(include_inactive=include_inactive).values_list("code", "name")
    )


def subjects_unknown(codes: Iterable[str]) -> list[str]:
    """The codes among `codes` that are not in the taxonomy, in the order given (one query)."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    known = set(
        selectors.subject_list(include_inactive=True)
        .filter(code__in=wanted)
        .values_list("code", flat=True)
    )
    return [c for c in wanted if c not in known]
