"""The page forms of papers and campaigns (issue #14 items 2 and 6): what the organiser typed,
read into the services' arguments, and the values shown again when a form is refused.

A paper is either fixed — the questions ticked, each with its points — or drawn per
candidate by blueprint rows (bank × type × difficulty × count × points); the services check
the rest (scope, supply, pass mark against the total)."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict

from civtrain.core import clock
from civtrain.core.errors import ValidationFailed
from civtrain.exams.data import BlueprintRow, PaperKind, QuestionKind

BLUEPRINT_SLOTS = 8  # rows offered on the page; empty ones are ignored


def _int(post: QueryDict, name: str, label: str, default: int | None = None) -> int:
    raw = post.get(name, "").strip()
    if not raw and default is not None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"{label}应为整数") from None


def _decimal(post: QueryDict, name: str, label: str) -> Decimal:
    raw = post.get(name, "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed(f"{label}应为数字") from None
    if not value.is_finite() or value < 0 or value >= 10_000:
        raise ValidationFailed(f"{label}应为 0 到 9999 之间的数字")
    return value.quantize(Decimal("0.01"))


def _when(post: QueryDict, name: str, label: str, *, required: bool = False) -> dt.datetime | None:
    """A `datetime-local` field: Shanghai wall time."""
    raw = post.get(name, "").strip()
    if not raw:
        if required:
            raise ValidationFailed(f"请填写{label}")
        return None
    try:
        return dt.datetime.fromisoformat(raw).replace(tzinfo=clock.TZ)
    except ValueError:
        raise ValidationFailed(f"{label}格式不正确") from None


def _questions(post: QueryDict) -> list[tuple[int, Decimal]]:
    out = []
    for raw in post.getlist("q"):
        try:
            qid = int(raw)
        except ValueError:
            continue
        out.append((qid, _decimal(post, f"points_{qid}", "分值")))
    if not out:
        raise ValidationFailed("请勾选试卷的题目")
    return out


def _blueprint(post: QueryDict) -> list[BlueprintRow]:
    rows: list[BlueprintRow] = []
    for i in range(BLUEPRINT_SLOTS):
        if not post.get(f"row{i}_bank", "").strip():
            continue
        n = len(rows) + 1
        kind = post.get(f"row{i}_kind", "")
        if kind not in set(QuestionKind):
            raise ValidationFailed(f"抽题规则第 {n} 行：请选择题型")
        difficulty = post.get(f"row{i}_difficulty", "").strip()
        rows.append(
            BlueprintRow(
                bank_id=_int(post, f"row{i}_bank", f"抽题规则第 {n} 行的题库"),
                kind=QuestionKind(kind),
                count=_int(post, f"row{i}_count", f"抽题规则第 {n} 行的数量"),
                points=_decimal(post, f"row{i}_points", f"抽题规则第 {n} 行的每题分值"),
                difficulty=_int(post, f"row{i}_difficulty", "难度") if difficulty else None,
            )
        )
    if not rows:
        raise ValidationFailed("请至少填写一行抽题规则（题库、题型、数量、每题分值）")
    return rows


def paper_fields(post: QueryDict) -> dict[str, Any]:
    """The arguments of `paper_create` common to a paper and a campaign's paper."""
    kind = post.get("kind", PaperKind.FIXED)
    return {
        "title": post.get("title", ""),
        "org_id": _int(post, "org_id", "组织者", default=0),
        "pass_mark": _decimal(post, "pass_mark", "及格分"),
        "time_limit_minutes": _int(post, "time_limit_minutes", "限时", default=60),
        "max_attempts": _int(post, "max_attempts", "可作答次数", default=1),
        "open_book": post.get("open_book") == "on",
        "shuffle_questions": post.get("shuffle_questions") == "on",
        "shuffle_options": post.get("shuffle_options") == "on",
        "questions": _questions(post) if kind == PaperKind.FIXED else [],
        "blueprint": _blueprint(post) if kind == PaperKind.BLUEPRINT else [],
    }


def paper_class(post: QueryDict) -> dict[str, int | None]:
    """The class a completion exam is for (ZZ-M1), or none: the paper form's 培训班 select."""
    raw = post.get("class_id", "").strip()
    return {"class_id": _int(post, "class_id", "培训班") if raw else None}


def paper_window(post: QueryDict, *, required: bool) -> dict[str, dt.datetime | None]:
    return {
        "opens_at": _when(post, "opens_at", "开放时间", required=required),
        "closes_at": _when(post, "closes_at", "截止时间", required=required),
    }


def campaign_fields(post: QueryDict) -> dict[str, Any]:
    fields = paper_fields(post)
    fields.update(paper_window(post, required=True))
    fields["year"] = _int(post, "year", "年度")
    fields["hours"] = _decimal(post, "hours", "通过计学时")
    fields["categories"] = post.getlist("categories")
    fields["ranks"] = post.getlist("ranks")
    return fields


def shown(
    post: QueryDict | None, defaults: dict[str, Any], *, fixed: bool = False
) -> dict[str, Any]:
    """What the form shows: the defaults on a new form, what was typed on a refused one (or
    on one whose bank of questions was just shown: `fixed`, the way of making it)."""
    if post is None:
        return {
            **defaults,
            "picked": set(),
            "points": {},
            "rows": [{} for _ in range(BLUEPRINT_SLOTS)],
        }
    values: dict[str, Any] = {k: post.get(k, "") for k in post}
    for box in ("open_book", "shuffle_questions", "shuffle_options"):
        values[box] = post.get(box) == "on"
    values["categories"] = post.getlist("categories")
    values["ranks"] = post.getlist("ranks")
    values["picked"] = {v for v in post.getlist("q") if v.isdigit()}
    values["points"] = {k[len("points_") :]: v for k, v in post.items() if k.startswith("points_")}
    if fixed:
        values["kind"] = PaperKind.FIXED
    values["rows"] = [
        {f: post.get(f"row{i}_{f}", "") for f in ("bank", "kind", "difficulty", "count", "points")}
        for i in range(BLUEPRINT_SLOTS)
    ]
    return values
