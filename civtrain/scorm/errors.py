"""The SCORM app's error codes; every refusal carries a message naming the problem."""

from enum import StrEnum

from civtrain.core.errors import ApplicationError


class ScormErrorCode(StrEnum):
    NOT_A_ZIP = "scorm.not_a_zip"
    TOO_LARGE = "scorm.too_large"
    UNSAFE_PATH = "scorm.unsafe_path"
    NO_MANIFEST = "scorm.no_manifest"
    BAD_MANIFEST = "scorm.bad_manifest"
    UNKNOWN_VERSION = "scorm.unknown_version"
    NO_LAUNCH = "scorm.nothing_to_launch"
    MISSING_RESOURCE = "scorm.missing_resource"
    MISSING_FILE = "scorm.missing_file"
    OUTSIDE_PACKAGE = "scorm.outside_package"
    BAD_RUNTIME_DATA = "scorm.bad_runtime_data"
    SUPERSEDED = "scorm.superseded"


class PackageRefused(ApplicationError):
    """The uploaded package cannot be used; nothing of it was stored."""

    status = 422
