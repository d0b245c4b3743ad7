"""The CMI data model as the platform reads it (pure: no database) — SCORM 1.2 and 2004.

scorm-again commits the whole CMI object flattened (`{"cmi.core.lesson_status": "passed",
…}`). We keep what a later launch needs to resume (location, suspend data, statuses, score,
objectives), read from it whether the SCO is done and its score, and build the data the
next launch starts from: the resumed values plus what only the platform may set (learner
id and name, entry, total time — the time the server measured, never the SCO's claim).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from civtrain.scorm.data import ScormVersion

MAX_CMI_VALUE = 64_000  # SCORM 2004's cmi.suspend_data; 1.2 allows 4,096 (scorm-again checks)
MAX_CMI_KEYS = 2_000
_KEY = re.compile(r"^cmi\.[a-z0-9_.]{1,200}$")


@dataclass(frozen=True)
class Keys:
    location: str
    completion: str  # 1.2: lesson_status holds both completion and success
    success: str
    score_raw: str
    score_scaled: str
    exit: str
    entry: str
    learner_id: str
    learner_name: str
    total_time: str
    kept: tuple[str, ...]  # prefixes resumed on the next launch


KEYS = {
    ScormVersion.SCORM12: Keys(
        location="cmi.core.lesson_location",
        completion="cmi.core.lesson_status",
        success="cmi.core.lesson_status",
        score_raw="cmi.core.score.raw",
        score_scaled="",
        exit="cmi.core.exit",
        entry="cmi.core.entry",
        learner_id="cmi.core.student_id",
        learner_name="cmi.core.student_name",
        total_time="cmi.core.total_time",
        kept=(
            "cmi.core.lesson_location",
            "cmi.core.lesson_status",
            "cmi.core.score.",
            "cmi.suspend_data",
            "cmi.objectives.",
        ),
    ),
    ScormVersion.SCORM2004: Keys(
        location="cmi.location",
        completion="cmi.completion_status",
        success="cmi.success_status",
        score_raw="cmi.score.raw",
        score_scaled="cmi.score.scaled",
        exit="cmi.exit",
        entry="cmi.entry",
        learner_id="cmi.learner_id",
        learner_name="cmi.learner_name",
        total_time="cmi.total_time",
        kept=(
            "cmi.location",
            "cmi.completion_status",
            "cmi.success_status",
            "cmi.score.",
            "cmi.progress_measure",
            "cmi.suspend_data",
            "cmi.objectives.",
        ),
    ),
}

_DONE_12 = {"passed", "completed"}


@dataclass(frozen=True)
class State:
    """What the platform reads from one SCO's committed data."""

    location: str
    suspend_data: str
    completion: str
    success: str
    score: Decimal | None  # 0–100
    exit: str

    @property
    def done(self) -> bool:
        """The SCO says it is finished: 1.2 passed/completed; 2004 completed and not failed,
        or passed (a SCO that reports success only)."""
        if self.completion == self.success:  # SCORM 1.2's one lesson_status
            return self.completion in _DONE_12
        if self.success == "failed":
            return False
        return self.completion == "completed" or self.success == "passed"


def cleaned(payload: object) -> dict[str, str] | None:
    """The committed CMI values as flat strings under `cmi.` (scorm-again flattens the scalar
    fields and leaves the collections — objectives, interactions — as nested objects), or None
    when the payload is not a CMI object within the limits."""
    if not isinstance(payload, dict):
        return None
    kept: dict[str, str] = {}
    try:
        for key, value in payload.items():
            if isinstance(key, str) and key.startswith("cmi."):
                _flatten(key, value, kept)
    except ValueError:
        return None
    return kept


def _flatten(key: str, value: object, into: dict[str, str]) -> None:
    if isinstance(value, dict | list):
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for child, inner in pairs:
            _flatten(f"{key}.{child}", inner, into)
        return
    if not _KEY.match(key) or len(into) >= MAX_CMI_KEYS:
        raise ValueError(key)
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, int | float):
        value = str(value)
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > MAX_CMI_VALUE:
        raise ValueError(key)
    into[key] = value


def state_of(version: ScormVersion, cmi: dict[str, str]) -> State:
    keys = KEYS[version]
    return State(
        location=cmi.get(keys.location, ""),
        suspend_data=cmi.get("cmi.suspend_data", ""),
        completion=cmi.get(keys.completion, ""),
        success=cmi.get(keys.success, ""),
        score=_score(cmi, keys),
        exit=cmi.get(keys.exit, ""),
    )


def _score(cmi: dict[str, str], keys: Keys) -> Decimal | None:
    """Percent: 2004's scaled score (−1…1) first, else raw against max (default 100)."""
    try:
        if keys.score_scaled and cmi.get(keys.score_scaled, ""):
            return _percent(Decimal(cmi[keys.score_scaled]) * 100)
        raw = cmi.get(keys.score_raw, "")
        if not raw:
            return None
        top = Decimal(cmi.get(keys.score_raw.replace(".raw", ".max"), "") or 100)
        bottom = Decimal(cmi.get(keys.score_raw.replace(".raw", ".min"), "") or 0)
        if top <= bottom:
            return None
        return _percent((Decimal(raw) - bottom) * 100 / (top - bottom))
    except (InvalidOperation, ValueError):
        return None


def _percent(value: Decimal) -> Decimal:
    return min(Decimal(100), max(Decimal(0), value)).quantize(Decimal("0.01"))


def kept_for_resume(version: ScormVersion, cmi: dict[str, str]) -> dict[str, str]:
    prefixes = KEYS[version].kept
    return {k: v for k, v in cmi.items() if k.startswith(prefixes)}


def launch_data(
    version: ScormVersion,
    *,
    kept: dict[str, str],
    last_exit: str,
    learner_id: str,
    learner_name: str,
    seconds: int,
) -> dict[str, str]:
    """The flattened CMI the player loads before the SCO initialises."""
    keys = KEYS[version]
    data = dict(kept)
    data[keys.learner_id] = learner_id
    data[keys.learner_name] = learner_name
    # SCORM: "ab-initio" on the first launch, "resume" after an exit with "suspend".
    data[keys.entry] = "ab-initio" if not kept else ("resume" if last_exit == "suspend" else "")
    data[keys.total_time] = _duration(version, seconds)
    return data


def _duration(version: ScormVersion, seconds: int) -> str:
    if version is ScormVersion.SCORM2004:
        return f"PT{seconds}S"
    hours, rest = divmod(seconds, 3600)
    return f"{hours:04d}:{rest // 60:02d}:{rest % 60:02d}"
