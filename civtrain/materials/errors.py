"""Error codes of teaching materials."""

from enum import StrEnum

from civtrain.core.errors import ApplicationError


class MaterialsErrorCode(StrEnum):
    INVALID = "material_invalid"
    BAD_FILE = "material_bad_file"  # type, size or content refused
    ALREADY_ATTACHED = "material_already_attached"


class MaterialError(ApplicationError):
    status = 422
