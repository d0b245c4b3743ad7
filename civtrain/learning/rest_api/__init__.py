"""Online learning endpoints (#12 item 7): the catalogue, my courses, play sessions, heartbeats."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from civtrain.accounts.api import sign_in_limits
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.core.fields import DbId, NonNegative4_2, NonNegative9_2, Year
from civtrain.core.lean import Route
from civtrain.core.middleware import client_ip
from civtrain.learning import playback, selectors
from civtrain.learning.data import ItemKind

router = Router(tags=["learning"])

Offset = Annotated[int, Field(ge=0, le=10**7)]
Limit = Annotated[int, Field(ge=1, le=200)]
Seq = Annotated[int, Field(ge=1, le=2**31 - 1)]
Position = NonNegative9_2  # seconds into the item
Rate = NonNegative4_2  # playback speed; the earned-time rules cap what counts
Token = Annotated[str, Field(min_length=1, max_length=64)]
Check = Annotated[str, Field(max_length=8)]


class OnlineCourseOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    hours: Decimal | None = Field(description="fixed 学时; null: the governing rule set's policy")
    minutes: float
    items: int
    required: bool
    org: str
    subject_hours: dict[str, Decimal]
    available_from: dt.date | None
    available_until: dt.date | None


class OnlineCoursePage(Schema):
    count: int
    items: list[OnlineCourseOut]


class OnlineCourseFiltersIn(Schema):
    q: str = Field("", max_length=100)
    kind: ItemKind | None = None
    subject: str = Field("", max_length=32)
    required: bool | None = None
    offset: Offset = 0
    limit: Limit = 50


class CourseItemOut(Schema):
    id: int
    kind: str
    title: str
    chapter: str
    duration_seconds: int | None
    pages: int | None
    furthest_seconds: Decimal
    earned_seconds: Decimal
    completed: bool


class OnlineCourseDetailOut(OnlineCourseOut):
    item_list: list[CourseItemOut]
    completed: bool


class RequiredCourseOut(Schema):
    course: OnlineCourseOut
    column: str
    completed: bool


class PlaySessionOut(Schema):
    token: str
    item_id: int
    kind: str
    position: Decimal
    furthest: Decimal
    earned: Decimal
    duration: int
    speed_cap: Decimal
    interval: int


class HeartbeatIn(BaseModel):  # plain pydantic: validated in front of the site (ADR 0029)
    token: Token
    seq: Seq
    position: Position
    rate: Rate = Decimal(1)
    playing: bool = True
    visible: bool = True
    check: Check = ""


class HeartbeatOut(Schema):
    credited: Decimal
    earned: Decimal
    furthest: Decimal
    position: Decimal
    note: str
    seek_to: Decimal | None
    check: str
    item_completed: bool
    course_completed: bool


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


@router.get("/courses", response=OnlineCoursePage, summary="网络课程目录（检索、筛选）")
def course_list(request: HttpRequest, filters: Query[OnlineCourseFiltersIn]) -> Any:
    required = "" if filters.required is None else ("1" if filters.required else "0")
    count, items = selectors.course_page(
        actor=_actor(request),
        offset=filters.offset,
        limit=filters.limit,
        search=filters.q,
        kind=filters.kind or "",
        subject=filters.subject,
        required=required,
    )
    return {"count": count, "items": items}


@router.get(
    "/courses/{int:course_id}", response=OnlineCourseDetailOut, summary="课程详情与我的进度"
)
def course_detail(request: HttpRequest, course_id: int) -> Any:
    course = selectors.access_course(_actor(request), course_id)
    person = selectors.learner_of(_actor(request))
    out = selectors.course_summary(course)
    out["item_list"] = selectors.course_items_with_progress(course, person.id if person else None)
    out["completed"] = bool(
        person and selectors.completed_this_year(person.id, course.pk, clock.today().year)
    )
    return out


@router.get("/me/required", response=list[RequiredCourseOut], summary="我今年的必修课程")
def my_required(request: HttpRequest, year: Year | None = None) -> Any:
    person = selectors.learner_of(_actor(request))
    if person is None:
        raise NotFound("只有学员本人有必修课程")
    rows = selectors.required_for(person, year or clock.today().year)
    by_id = selectors.courses_by_id(r.course.pk for r in rows)
    return [
        {"course": by_id[r.course.pk], "column": r.column, "completed": r.completed} for r in rows
    ]


@router.post(
    "/items/{int:item_id}/sessions", response={201: PlaySessionOut}, summary="开始学习（计时会话）"
)
def session_start(request: HttpRequest, item_id: DbId) -> Any:
    start = playback.play_start(
        actor=_actor(request),
        item_id=item_id,
        client_ip=client_ip(request),
        sign_in=sign_in_limits(getattr(request, "session", None)),
    )
    return Status(201, start.__dict__)


def _heartbeat(payload: HeartbeatIn) -> dict[str, Any]:
    return playback.heartbeat_by_token(**payload.model_dump()).__dict__


@router.post(
    "/heartbeats",
    response=HeartbeatOut,
    auth=None,
    openapi_extra={"x-capability": "token"},
    summary="学习心跳（服务器计时）",
    description=(
        "凭 `token`（开始学习时得到的计时会话令牌）认证，无需会话 Cookie 或 CSRF 令牌："
        "令牌只属于该学员的这一次学习，被新的学习会话取代、学员退出登录或账号停用时失效，"
        "并受开启它的登录的空闲时限与最长有效时间约束（ADR 0029）。"
    ),
)
def heartbeat(request: HttpRequest, payload: HeartbeatIn) -> Any:
    return _heartbeat(payload)


# Served in front of Django's request stack (config/wsgi.py, ADR 0029): the same endpoint,
# the same answers, for a request that is plain (core.lean).
LEAN_ROUTES = [
    Route("POST", r"/heartbeats", HeartbeatIn, lambda r: _heartbeat(r.payload)),
]


if settings.CIVTRAIN_BENCH_ENDPOINTS:  # bench/heartbeats.py's baseline; off in deployments

    def _insert_plain(payload: HeartbeatIn) -> None:
        playback.heartbeat_insert_plain(**payload.model_dump())
        return None

    @router.post(
        "/bench/heartbeat-insert", response={204: None}, auth=None, include_in_schema=False
    )
    def heartbeat_insert_plain(request: HttpRequest, payload: HeartbeatIn) -> Any:
        _insert_plain(payload)
        return Status(204, None)

    LEAN_ROUTES.append(
        Route("POST", r"/bench/heartbeat-insert", HeartbeatIn, lambda r: _insert_plain(r.payload),
              status=204)
    )  # fmt: skip
