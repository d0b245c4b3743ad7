"""The SCORM app's vocabulary: versions, launchable items, packages (frozen, for other apps)."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class ScormVersion(StrEnum):
    """The runtime a package speaks; the values are learning's courseware kinds."""

    SCORM12 = "scorm12"
    SCORM2004 = "scorm2004"

    @property
    def label(self) -> str:
        return "SCORM 1.2" if self is ScormVersion.SCORM12 else "SCORM 2004"


@dataclass(frozen=True)
class Sco:
    """One launchable item of the manifest's default organization."""

    identifier: str
    title: str
    href: str  # relative to the package root, with the item's parameters appended
    scorm_type: str  # "sco" (talks to the runtime API) or "asset"


@dataclass(frozen=True)
class Manifest:
    version: ScormVersion
    edition: str  # "1.2", "2004 3rd Edition", "2004 4th Edition", "CAM 1.3" or ""
    identifier: str
    title: str
    scos: tuple[Sco, ...]


@dataclass(frozen=True)
class PackageData:
    id: int
    title: str
    version: ScormVersion
    edition: str
    org_id: int
    scos: tuple[Sco, ...]
    file_count: int
    total_bytes: int
    sha256: str
    created_at: dt.datetime

    @property
    def launch_href(self) -> str:
        return self.scos[0].href
