"""Teaching materials as other apps and the site shell see them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class AttachedMaterial:
    """A material attached to a class or a course, as its page lists it: the current version."""

    id: int
    title: str
    subject: str  # the subject's name
    teacher: str
    author: str
    version: int
    file_type: str  # its label ("PDF", "Word" …)
    size: int
    filename: str
    download_url: str
