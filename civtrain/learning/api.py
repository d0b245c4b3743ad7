"""Public interface of online learning: what SCORM, xAPI and the pages build on (#12).

Contract with the `scorm` and `xapi` apps (coordination, session 5): courses are created with
course_create and item_add; courseware standards report progress only through
item_progress_report; a course completes only through course_complete, which writes the one
ledger entry (idempotent on person + course + year, mode online, hours from the course).
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Q

from civtrain.accounts.api import actor_scope, is_system
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.learning import media, playback, selectors, services, supervision
from civtrain.learning.data import (
    ITEM_KIND_LABELS,
    Audience,
    ChapterData,
    CompletionData,
    CourseData,
    ItemData,
    ItemKind,
    ItemProgressData,
    ProgressSource,
)
from civtrain.learning.errors import SessionSuperseded
from civtrain.learning.models import Completion, Course, Item, ItemProgress
from civtrain.organisations.api import subtree_q
from civtrain.people.api import person_data

__all__ = [
    "ITEM_KIND_LABELS",
    "Audience",
    "ChapterData",
    "CompletionData",
    "CourseData",
    "ItemData",
    "ItemKind",
    "ItemProgressData",
    "ProgressSource",
    "SessionSuperseded",
    "SupervisionHalf",
    "chapter_add",
    "course_access",
    "course_by_activity_iri",
    "course_choices",
    "course_complete",
    "course_create",
    "course_data",
    "course_delete",
    "course_ids_visible",
    "course_items",
    "course_open_for",
    "document_item_from_upload",
    "heartbeat_record",
    "item_add",
    "item_data",
    "item_progress_report",
    "pdf_page_count",
    "plan_column_add",
    "plan_create",
    "plan_entry_add",
    "play_start",
    "supervision_notice",
    "timed_session_credit",
    "timed_session_open",
    "upload_begin",
    "upload_chunk",
    "video_item_from_upload",
]

# The half-year notice (半年通报, ZZ-N2), scoped by the actor: for the documents app's signed
# PDF of it (issue #15 item 4).
SupervisionHalf = supervision.Half
supervision_notice = supervision.notice


# SCORM's time under the heartbeats' rules (#12 item 7): one live session per learner across
# every kind of courseware, and one daily cap (ADR 0016).
timed_session_open = playback.timed_session_open
timed_session_credit = playback.timed_session_credit

# The player's own calls (a learner's play session and its heartbeats, PR-3), for the demo's
# learners who watch and read through the same rules as the pages (#12).
play_start = playback.play_start
heartbeat_record = playback.heartbeat_record

# Courseware files as the authoring pages store them: a resumable video upload (probed with
# ffprobe, a poster frame) and a PDF document (#12 item 2); the demo's courseware too.
upload_begin = media.upload_begin
upload_chunk = media.upload_chunk
video_item_from_upload = media.video_item_from_upload
document_item_from_upload = media.document_item_from_upload

# The annual learning plan (ZZ-N1): a bureau's plan, its 专题 and the courses they require.
plan_create = services.plan_create
plan_column_add = services.plan_column_add
plan_entry_add = services.plan_entry_add


def course_to_data(course: Course) -> CourseData:
    items = list(course.items.order_by("position", "id").values_list("kind", "duration_seconds"))
    org = course.org
    audience_path = course.audience_org.path if course.audience_org else ""
    return CourseData(
        id=course.pk,
        title=course.title,
        description=course.description,
        org_id=org.pk,
        org_code=org.code,
        org_path=org.path,
        kind=ItemKind(items[0][0] if items else course.kind),
        hours=course.hours,
        subject_hours=dict(course.subject_hours.values_list("subject", "hours")),
        required=course.required,
        audience=Audience.from_json(course.audience, audience_path),
        available_from=course.available_from,
        available_until=course.available_until,
        activity_iri=course.activity_iri,
        published=course.published,
        duration_seconds=sum(d or 0 for _, d in items),
        item_count=len(items),
        cover=course.cover,
    )


def item_to_data(item: Item) -> ItemData:
    return ItemData(
        id=item.pk,
        course_id=item.course_id,
        chapter_id=item.chapter_id,
        kind=ItemKind(item.kind),
        title=item.title,
        ref=item.ref,
        duration_seconds=item.duration_seconds,
        position=item.position,
        pages=item.pages,
    )


def progress_to_data(progress: ItemProgress) -> ItemProgressData:
    return ItemProgressData(
        item_id=progress.item_id,
        person_id=progress.person_id,
        furthest_seconds=progress.furthest_seconds,
        earned_seconds=progress.earned_seconds,
        completed=progress.completed,
        score=progress.score,
        source=progress.source,
    )


def completion_to_data(completion: Completion, created: bool = True) -> CompletionData:
    return CompletionData(
        id=completion.pk,
        person_id=completion.person_id,
        course_id=completion.course_id,
        year=completion.year,
        hours=completion.hours,
        ledger_entry_id=completion.ledger_entry_id,
        source=completion.source,
        completed_at=completion.completed_at,
        revoked=completion.revoked,
        created=created,
    )


def course_create(
    *,
    actor: Actor,
    title: str,
    org_code: str,
    kind: str,
    hours: Decimal | float | str | None = None,
    subjects: Mapping[str, Any] | Iterable[Any] = (),
    activity_iri: str = "",
    **fields: Any,
) -> CourseData:
    """Create a course published by the node `org_code` (a city or district bureau of the
    actor's). `kind` ∈ ItemKind; `hours` None: the governing set's crediting policy (PR-1);
    `subjects`: {code: hours} or ("code:hours", …). Other fields: description, required,
    audience (Audience), audience_org_code, available_from, available_until, published,
    cover."""
    course = services.course_create(
        actor=actor,
        title=title,
        org_code=org_code,
        kind=kind,
        hours=hours,
        subjects=subjects,
        activity_iri=activity_iri,
        **fields,
    )
    return course_data(course.pk)


def course_delete(*, actor: Actor, course_id: int) -> None:
    """Delete a course nobody completed and no plan lists (its items and progress with it)."""
    services.course_delete(actor=actor, course_id=course_id)


def course_data(course_id: int) -> CourseData:
    """The course, unscoped (for other apps' services that checked access themselves)."""
    return course_to_data(Course.objects.select_related("org", "audience_org").get(pk=course_id))


def chapter_add(*, actor: Actor, course_id: int, title: str) -> ChapterData:
    chapter = services.chapter_add(actor=actor, course_id=course_id, title=title)
    return ChapterData(chapter.pk, chapter.course_id, chapter.title, chapter.position)


def item_add(*, actor: Actor, course_id: int, **fields: Any) -> ItemData:
    """Add courseware to a course (services.item_add's keyword fields: kind, title, ref — a
    stored file name, a SCORM package id, an activity IRI —, duration_seconds, chapter_id,
    pages, poster)."""
    return item_to_data(services.item_add(actor=actor, course_id=course_id, **fields))


def item_data(item_id: int) -> ItemData | None:
    item = Item.objects.filter(pk=item_id).first()
    return item_to_data(item) if item else None


def course_items(course_id: int) -> list[ItemData]:
    return [item_to_data(i) for i in Item.objects.filter(course_id=course_id).order_by("position")]


def item_progress_report(*, person_id: int, item_id: int, **report: Any) -> ItemProgressData:
    """The single path by which SCORM runtime data (source "scorm") and xAPI statements
    (source "xapi") mark an item done; the course completes when its last item is done.
    Video and PDF items are measured by heartbeats and refuse this report. `report`:
    services.item_progress_report's completed, score, seconds, source."""
    return progress_to_data(
        services.item_progress_report(person_id=person_id, item_id=item_id, **report)
    )


def course_complete(*, actor: Actor, person_id: int, course_id: int, source: str) -> CompletionData:
    """The one completion path (#12 item 4). Idempotent on person + course + year: a second
    call returns the first completion with created=False and writes nothing."""
    completion, created = services.course_complete(
        actor=actor, person_id=person_id, course_id=course_id, source=source
    )
    return completion_to_data(completion, created)


def course_by_activity_iri(iri: str) -> CourseData | None:
    """The course bound to an xAPI activity IRI, or None."""
    course = Course.objects.select_related("org", "audience_org").filter(activity_iri=iri).first()
    return course_to_data(course) if iri and course else None


def course_open_for(person_id: int, course_id: int, on: dt.date | None = None) -> CourseData:
    """The course if the person may study it on `on` (default today); NotFound otherwise."""
    course = selectors.access_course_for_learner(
        person_data(person_id), course_id, on=on or clock.today()
    )
    return course_to_data(course)


# -- for teaching materials (materials app, CQ-B4, issue #16 item 2) -----------------------


def pdf_page_count(path: Any) -> int:
    """The page count of a real, readable, unencrypted PDF: courseware's check of a document,
    which teaching materials apply to their PDFs too; a LearningError says why not."""
    from civtrain.learning.media import pdf_pages

    return pdf_pages(path)


def course_ids_visible(actor: Actor) -> Any:
    """A subquery of the ids of the courses the actor may see: an author's, what is published
    above a member of staff, and for a learner what is open to them today (course pages)."""
    return Course.objects.filter(selectors.course_scope_q(actor)).values("pk")


def course_access(actor: Actor, course_id: int, *, author: bool = False) -> CourseData:
    """The course if the actor may see it (author: may change it); NotFound otherwise."""
    if author:
        return course_to_data(services.access_course_for_author(actor, course_id))
    return course_to_data(selectors.access_course(actor, course_id))


def course_choices(actor: Actor, *, limit: int = 200) -> list[tuple[int, str]]:
    """(id, title) of the courses the actor authors, the newest first (teaching materials'
    attach form)."""
    paths = actor_scope(actor).paths_for(*selectors.AUTHORS)
    q = Q() if is_system(actor) else subtree_q(paths, "org__path")
    if not paths and not is_system(actor):
        return []
    return list(Course.objects.filter(q).order_by("-id").values_list("pk", "title")[:limit])
