"""Writes of the runtime: a learner launches a SCO, its data is committed, the time the
server saw the player open is credited, and the item's progress goes to learning (ADR 0017).

Progress reaches the ledger only through learning.api.item_progress_report (which completes
the course, once, through course_complete when its last item is done). An item counts as done
when every SCO of its package says so and the server measured at least the item's stated
duration (PR-3: a SCO that declares itself complete in a second earns nothing sooner).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum

from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound
from civtrain.learning import api as learning_api
from civtrain.people.api import person_for_user
from civtrain.scorm import runtime
from civtrain.scorm.data import ScormVersion
from civtrain.scorm.errors import PackageRefused, ScormErrorCode
from civtrain.scorm.models import Attempt, Package

# The player page sends a keep-alive every KEEPALIVE_SECONDS while it is visible; a gap longer
# than MAX_GAP_SECONDS (a closed laptop, a hidden tab) credits only MAX_GAP_SECONDS.
KEEPALIVE_SECONDS = 30
MAX_GAP_SECONDS = 60
SCORM_KINDS = {"scorm12", "scorm2004"}
_NOT_FOUND = "课件不存在或您不能学习它"
SUPERSEDED = (
    "这门课件已在另一个窗口或设备上打开，此窗口的学习进度不再保存；请关闭此窗口，在新窗口中继续"
)


def split_href(href: str) -> tuple[str, str]:
    """A launch href as the path in the package and what follows it (query, fragment)."""
    cut = min((i for i in (href.find("?"), href.find("#")) if i >= 0), default=len(href))
    return href[:cut], href[cut:]


@dataclass(frozen=True)
class Launch:
    attempt: Attempt
    package: Package
    version: ScormVersion
    href: str
    course_id: int
    item_title: str
    cmi: dict[str, str]  # what the player loads before the SCO initialises


def _learner(actor: Actor) -> Any:
    person = person_for_user(actor.pk) if actor.pk is not None else None
    if person is None:
        raise NotFound(_NOT_FOUND)
    return person


@transaction.atomic
def attempt_launch(*, actor: Actor, item_id: int, sco: str = "") -> Launch:
    """Open (or resume) the learner's attempt at a SCORM item of a course open to them; a new
    session replaces any earlier one of the same attempt (an older tab stops saving)."""
    person = _learner(actor)
    item = learning_api.item_data(item_id)
    if item is None or item.kind.value not in SCORM_KINDS:
        raise NotFound(_NOT_FOUND)
    learning_api.course_open_for(person.id, item.course_id)  # NotFound when not open to them
    package = Package.objects.filter(pk=int(item.ref)).first() if item.ref.isdigit() else None
    if package is None:
        raise NotFound(_NOT_FOUND)
    scos = {s["identifier"]: s for s in package.scos}
    chosen = scos.get(sco) or package.scos[0]
    attempt, _ = Attempt.objects.select_for_update().get_or_create(
        person_id=person.id,
        item_id=item.id,
        sco=chosen["identifier"],
        defaults={"package": package},
    )
    # The learner's one live session (a video or another package elsewhere stops timing).
    attempt.session_key = learning_api.timed_session_open(person_id=person.id, item_id=item.id)
    attempt.last_seen_at = clock.now()
    attempt.save(update_fields=["session_key", "last_seen_at", "updated_at"])
    version = ScormVersion(package.version)
    cmi = runtime.launch_data(
        version,
        kept=attempt.cmi,
        last_exit=attempt.last_exit,
        learner_id=str(person.id),
        learner_name=person.name,
        seconds=attempt.earned_seconds,
    )
    return Launch(attempt, package, version, chosen["href"], item.course_id, item.title, cmi)


def _attempt_for_update(actor: Actor, attempt_id: int, session_key: str) -> Attempt:
    person = _learner(actor)
    attempt = (
        Attempt.objects.select_for_update()
        .select_related("package")
        .filter(pk=attempt_id, person_id=person.id)
        .first()
    )
    if attempt is None:
        raise NotFound(_NOT_FOUND)
    if not session_key or session_key != attempt.session_key:
        raise PackageRefused(ScormErrorCode.SUPERSEDED, SUPERSEDED)
    return attempt


def _credit(attempt: Attempt, now: dt.datetime) -> None:
    """The time since the player was last heard from, at most MAX_GAP_SECONDS; a clock that
    went backwards credits nothing. Learning's session rules apply as to video (#12 item 7):
    nothing once the learner opened another course (refused: this player stops), and no more
    than the daily cap leaves."""
    gap = 0
    if attempt.last_seen_at is not None:
        gap = int(min(max((now - attempt.last_seen_at).total_seconds(), 0), MAX_GAP_SECONDS))
    try:
        credited = learning_api.timed_session_credit(
            person_id=attempt.person_id, token=attempt.session_key, seconds=gap
        )
    except learning_api.SessionSuperseded as exc:
        raise PackageRefused(ScormErrorCode.SUPERSEDED, exc.message) from None
    attempt.earned_seconds += int(credited)
    attempt.last_seen_at = now


@transaction.atomic
def attempt_commit(*, actor: Actor, attempt_id: int, session_key: str, payload: object) -> Attempt:
    """Store a commit of the SCO's CMI data (scorm-again's flattened JSON) and report the item's
    progress to learning."""
    attempt = _attempt_for_update(actor, attempt_id, session_key)
    cmi = runtime.cleaned(payload)
    if cmi is None:
        raise PackageRefused(
            ScormErrorCode.BAD_RUNTIME_DATA, "课件提交的学习记录格式不正确或过大，未保存"
        )
    version = ScormVersion(attempt.package.version)
    state = runtime.state_of(version, cmi)
    was_done = attempt.done
    _credit(attempt, clock.now())
    attempt.cmi = runtime.kept_for_resume(version, cmi)
    attempt.last_exit = state.exit
    attempt.completion, attempt.success = state.completion[:16], state.success[:16]
    attempt.score = state.score if state.score is not None else attempt.score
    attempt.done = was_done or state.done  # a finished SCO stays finished
    attempt.commits += 1
    attempt.save()
    if attempt.done and not was_done:
        audit_record(
            actor=actor,
            action="scorm.sco_done",
            object_type="scorm_attempt",
            object_id=attempt.pk,
            object_label=f"{attempt.package.title} / {attempt.sco}",
            changes={
                "completion": state.completion,
                "success": state.success,
                "score": str(attempt.score) if attempt.score is not None else None,
            },
        )
    _report(attempt)
    return attempt


@transaction.atomic
def attempt_keepalive(*, actor: Actor, attempt_id: int, session_key: str) -> Attempt:
    """The open, visible player says it is still there: credit the time since last heard."""
    attempt = _attempt_for_update(actor, attempt_id, session_key)
    _credit(attempt, clock.now())
    attempt.save(update_fields=["earned_seconds", "last_seen_at", "updated_at"])
    _report(attempt)
    return attempt


def _report(attempt: Attempt) -> None:
    """The item's progress as learning sees it: done when every SCO of the package is done and
    the server measured at least the item's duration; seconds and score over its SCOs."""
    item = learning_api.item_data(attempt.item_id)
    if item is None:
        raise NotFound(_NOT_FOUND)
    attempts = Attempt.objects.filter(person_id=attempt.person_id, item_id=attempt.item_id)
    done_scos = set(attempts.filter(done=True).values_list("sco", flat=True))
    seconds = attempts.aggregate(s=Sum("earned_seconds"))["s"] or 0
    every_sco = {s["identifier"] for s in attempt.package.scos} <= done_scos
    learning_api.item_progress_report(
        person_id=attempt.person_id,
        item_id=attempt.item_id,
        completed=every_sco and seconds >= (item.duration_seconds or 0),
        score=attempt.score,
        seconds=seconds,
        source="scorm",
    )
