"""Exams endpoints at /api/v1/exams (issue #14 item 7): banks (import, export), the
candidate's attempt (start or resume, save an answer, page events, submit), grading,
release, and a campaign's rates per unit."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from civtrain.accounts.api import sign_in_limits
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.core.fields import NonBlank, NonNegative6_2
from civtrain.core.lean import LeanRequest, Route
from civtrain.exams import rates, selectors, services
from civtrain.exams.data import (
    QUESTION_KIND_LABELS,
    AttemptStatus,
    BlueprintRow,
    QuestionKind,
)
from civtrain.exams.errors import ExamsError, ExamsErrorCode
from civtrain.exams.formats import FORMATS, parse_file

router = Router(tags=["exams"])

DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


class BankOut(Schema):
    id: int
    name: str
    subject: str
    org_id: int
    question_count: int


class BankIn(Schema):
    name: NonBlank
    org_id: DbId
    subject: str = ""


class ImportOut(Schema):
    counts: dict[str, int]
    total: int


@router.get("/banks", response=list[BankOut], summary="题库（本级及上级共享、下级）")
def bank_list(request: HttpRequest) -> Any:
    return [
        {
            "id": b.pk,
            "name": b.name,
            "subject": b.subject,
            "org_id": b.org_id,
            "question_count": b.question_count,  # type: ignore[attr-defined]
        }
        for b in selectors.bank_list(actor=_actor(request))
    ]


@router.post("/banks", response={201: BankOut}, summary="新建题库")
def bank_create(request: HttpRequest, payload: BankIn) -> Any:
    bank = services.bank_create(actor=_actor(request), **payload.dict())
    out = {"id": bank.pk, "name": bank.name, "subject": bank.subject, "org_id": bank.org_id}
    return Status(201, {**out, "question_count": 0})


@router.post(
    "/banks/{int:bank_id}/import",
    response=ImportOut,
    summary="导入题目（gift、moodle-xml、aiken、xlsx；有任何一题有误则整份不导入）",
)
def bank_import(
    request: HttpRequest,
    bank_id: int,
    format: str,
    file: File[UploadedFile],
) -> Any:
    if format not in FORMATS:
        raise ExamsError(ExamsErrorCode.FILE_REFUSED, f"未知的格式“{format}”")
    parsed = parse_file(file.read(), format)
    counts = services.questions_import(
        actor=_actor(request), bank_id=bank_id, parsed=parsed, filename=file.name or ""
    )
    return {"counts": {k.value: n for k, n in counts.items()}, "total": sum(counts.values())}


@router.get("/banks/{int:bank_id}/export", summary="导出题目", response={200: None})
def bank_export(request: HttpRequest, bank_id: DbId, format: str) -> HttpResponse:
    if format not in FORMATS:
        raise ExamsError(ExamsErrorCode.FILE_REFUSED, f"未知的格式“{format}”")
    bank, data, _skipped = services.bank_export(actor=_actor(request), bank_id=bank_id, fmt=format)
    response = HttpResponse(data, content_type=FORMATS[format][3])
    response["Content-Disposition"] = f'attachment; filename="bank-{bank.pk}.{FORMATS[format][2]}"'
    return response


# --- the candidate -------------------------------------------------------------------------


class OptionOut(Schema):
    index: int
    text: str


class SheetQuestion(Schema):
    number: int
    id: int
    kind: str
    text: str
    points: str
    options: list[OptionOut]
    response: Any = None


class AttemptOut(Schema):
    id: int
    paper_id: int
    number: int
    status: str
    deadline: dt.datetime
    remaining_seconds: int
    open_book: bool
    questions: list[SheetQuestion]
    # Saves may carry it as `X-Attempt-Token` instead of the session (ADR 0029); "" once the
    # attempt is closed.
    token: str = ""


class AnswerIn(Schema):
    response: Any = None


class SavedOut(Schema):
    saved: bool
    remaining_seconds: int


class EventIn(Schema):
    kind: str
    detail: str = ""


class ResultOut(Schema):
    id: int
    status: str
    submitted_by: str
    released: bool
    score: Decimal | None
    max_points: Decimal
    passed: bool | None


def _remaining(deadline: dt.datetime) -> int:
    return max(0, int((deadline - clock.now()).total_seconds()))


def attempt_out(attempt: Any) -> dict[str, Any]:
    return {
        "id": attempt.pk,
        "paper_id": attempt.paper_id,
        "number": attempt.number,
        "status": attempt.status,
        "deadline": attempt.deadline,
        "remaining_seconds": _remaining(attempt.deadline),
        "open_book": attempt.paper.open_book,
        "questions": selectors.attempt_sheet(attempt),
    }


def result_out(attempt: Any) -> dict[str, Any]:
    released = attempt.paper.results_released
    return {
        "id": attempt.pk,
        "status": attempt.status,
        "submitted_by": attempt.submitted_by,
        "released": released,
        "score": attempt.score if released else None,
        "max_points": attempt.max_points,
        "passed": attempt.passed if released else None,
    }


@router.post(
    "/papers/{int:paper_id}/attempt", response=AttemptOut, summary="开始或继续作答（考生）"
)
def attempt_start(request: HttpRequest, paper_id: DbId) -> Any:
    actor = _actor(request)
    attempt = services.attempt_start(actor=actor, paper_id=paper_id)
    out = attempt_out(attempt)
    if attempt.status == AttemptStatus.OPEN:
        out["token"] = services.attempt_token_issue(
            actor=actor,
            attempt_id=attempt.pk,
            sign_in=sign_in_limits(getattr(request, "session", None)),
        )
    return out


@router.put(
    "/attempts/{int:attempt_id}/answers/{int:question_id}",
    response=SavedOut,
    summary="保存一题的答案（以最后一次为准）",
)
def answer_save(
    request: HttpRequest, attempt_id: DbId, question_id: DbId, payload: AnswerIn
) -> Any:
    deadline = services.answer_save(
        actor=_actor(request),
        attempt_id=attempt_id,
        question_id=question_id,
        response=payload.response,
    )
    return {"saved": True, "remaining_seconds": _remaining(deadline)}


ATTEMPT_TOKEN_HEADER = "HTTP_X_ATTEMPT_TOKEN"  # noqa: S105 - the WSGI key of X-Attempt-Token


def _saved_by_token(request: LeanRequest) -> dict[str, Any]:
    deadline = services.answer_save_by_token(
        attempt_id=request.params["attempt_id"],
        token=request.capability,
        question_id=request.params["question_id"],
        response=request.payload.response,
    )
    return {"saved": True, "remaining_seconds": _remaining(deadline)}


# The candidate's page saves with the attempt's token (X-Attempt-Token): answered in front of
# the request stack (config/wsgi.py, core.lean, ADR 0029). A save without the header is the
# endpoint above's, with the session or a bearer token as before.
LEAN_ROUTES = [
    Route(
        "PUT",
        r"/attempts/(?P<attempt_id>[0-9]{1,18})/answers/(?P<question_id>[0-9]{1,18})",
        AnswerIn,
        _saved_by_token,
        capability_header=ATTEMPT_TOKEN_HEADER,
    ),
]


@router.post("/attempts/{int:attempt_id}/events", response={204: None}, summary="页面事件")
def attempt_event(request: HttpRequest, attempt_id: DbId, payload: EventIn) -> Any:
    services.attempt_event_log(
        actor=_actor(request), attempt_id=attempt_id, kind=payload.kind, detail=payload.detail
    )
    return Status(204, None)


@router.post("/attempts/{int:attempt_id}/submit", response=ResultOut, summary="交卷")
def attempt_submit(request: HttpRequest, attempt_id: DbId) -> Any:
    return result_out(services.attempt_submit(actor=_actor(request), attempt_id=attempt_id))


# --- organisers ----------------------------------------------------------------------------


class BlueprintIn(Schema):
    bank_id: DbId
    kind: QuestionKind
    count: int = Field(ge=1, le=500)
    points: NonNegative6_2
    difficulty: int | None = Field(default=None, ge=1, le=5)


class FixedIn(Schema):
    question_id: DbId
    points: NonNegative6_2


class PaperIn(Schema):
    title: NonBlank
    org_id: DbId
    pass_mark: NonNegative6_2
    questions: list[FixedIn] = []
    blueprint: list[BlueprintIn] = []
    time_limit_minutes: int = 60
    open_book: bool = False
    max_attempts: int = 1
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    class_id: DbId | None = None


class CampaignIn(Schema):
    title: NonBlank
    year: int
    org_id: DbId
    opens_at: dt.datetime
    closes_at: dt.datetime
    pass_mark: NonNegative6_2
    questions: list[FixedIn] = []
    blueprint: list[BlueprintIn] = []
    time_limit_minutes: int = 60
    max_attempts: int = 1
    categories: list[str] = []
    ranks: list[str] = []


class CreatedOut(Schema):
    id: int
    paper_id: int
    candidates: int


def _rows(payload: Any) -> dict[str, Any]:
    return {
        "questions": [(q.question_id, q.points) for q in payload.questions],
        "blueprint": [
            BlueprintRow(r.bank_id, r.kind, r.count, r.points, r.difficulty)
            for r in payload.blueprint
        ],
    }


@router.post("/papers", response={201: CreatedOut}, summary="组卷（固定题目或按抽题规则）")
def paper_create(request: HttpRequest, payload: PaperIn) -> Any:
    fields = payload.dict(exclude={"questions", "blueprint"})
    paper = services.paper_create(actor=_actor(request), **fields, **_rows(payload))
    return Status(201, {"id": paper.pk, "paper_id": paper.pk, "candidates": 0})


@router.post("/campaigns", response={201: CreatedOut}, summary="年终网上测试：范围、时间窗口、试卷")
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Any:
    fields = payload.dict(exclude={"questions", "blueprint"})
    campaign, paper, added = services.campaign_create(
        actor=_actor(request), **fields, **_rows(payload)
    )
    return Status(201, {"id": campaign.pk, "paper_id": paper.pk, "candidates": added})


@router.post("/campaigns/{int:campaign_id}/remind", response=dict[str, int], summary="提醒")
def campaign_remind(request: HttpRequest, campaign_id: DbId) -> Any:
    return {"queued": services.campaign_remind(actor=_actor(request), campaign_id=campaign_id)}


class GradeIn(Schema):
    points: NonNegative6_2
    comment: str = ""


class RateOut(Schema):
    org_id: int
    label: str
    path: str
    candidates: int
    sat: int
    passed: int
    participation: float
    pass_rate: float
    has_children: bool


@router.post("/answers/{int:answer_id}/grade", response={204: None}, summary="简答题评分")
def answer_grade(request: HttpRequest, answer_id: DbId, payload: GradeIn) -> Any:
    services.answer_grade(actor=_actor(request), answer_id=answer_id, **payload.dict())
    return Status(204, None)


@router.post("/papers/{int:paper_id}/release", response=dict[str, int], summary="发布成绩")
def paper_release(request: HttpRequest, paper_id: DbId) -> Any:
    settled = services.paper_release_results(actor=_actor(request), paper_id=paper_id)
    return {"settled": settled}


@router.get(
    "/campaigns/{int:campaign_id}/rates", response=list[RateOut], summary="各单位参考率与通过率"
)
def campaign_rates(request: HttpRequest, campaign_id: DbId, under: str = "") -> Any:
    rows = rates.campaign_rates(actor=_actor(request), campaign_id=campaign_id, under=under)
    return [
        {**r.__dict__, "participation": r.participation, "pass_rate": r.pass_rate} for r in rows
    ]


@router.get("/kinds", response=dict[str, str], summary="题型")
def kinds(request: HttpRequest) -> Any:
    return {k.value: v for k, v in QUESTION_KIND_LABELS.items()}


# --- the benchmark's baseline (bench/exams.py) ---------------------------------------------


class PlainIn(Schema):
    value: str = Field(max_length=64)


@router.post("/bench/plain-insert", response={204: None}, include_in_schema=False)
def plain_insert(request: HttpRequest, payload: PlainIn) -> Any:
    """One row inserted, nothing checked: what a save costs without the attempt's read and
    checks. Served only with CIVTRAIN_BENCH_ENDPOINTS (the benchmark's server)."""
    if not getattr(settings, "CIVTRAIN_BENCH_ENDPOINTS", False):
        raise NotFound()
    services.plain_insert(value=payload.value)
    return Status(204, None)


if settings.CIVTRAIN_BENCH_ENDPOINTS:  # the baseline the way the page's saves come (lean)

    def _plain_by_token(request: LeanRequest) -> None:
        services.plain_insert(value=request.payload.value)
        return None

    LEAN_ROUTES.append(
        Route("POST", r"/bench/plain-insert", PlainIn, _plain_by_token,
              capability_header=ATTEMPT_TOKEN_HEADER, status=204)
    )  # fmt: skip
