"""Public interface of the catalogue: subject names and codes for other apps."""

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
]

subject_create = services.subject_create
subject_update = services.subject_update


def subject_names(*, include_inactive: bool = False) -> dict[str, str]:
    """Subject code → name, in display order."""
    return dict(
        selectors.subject_list(include_inactive=include_inactive).values_list("code", "name")
    )
