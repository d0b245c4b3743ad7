"""Historical training records from spreadsheets into the ledger (issue 3 item 8).

Same contract as the roster import: all-or-nothing by default, every bad row reported with
its Excel row number, column and reason; `skip_invalid` writes the valid rows; `dry_run`
reports and rolls back. Each row's source_ref is a digest of its content, so importing the
same file again writes nothing new.
"""

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from civtrain.catalogue.data import DELIVERY_MODE_LABELS, TRAINING_TYPE_LABELS
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import ApplicationError
from civtrain.core.tabular import (
    Column,
    ImportReport,
    ProgressFn,
    RowError,
    SourceRow,
    Table,
    cell_code,
    cell_text,
    parse_date,
    run_import,
)
from civtrain.credits import services
from civtrain.credits.data import EntryInput, ItemStatus, Result, SourceType
from civtrain.people import api as people_api
from civtrain.people.data import mask_id_number, parse_id_number

RECORD_COLUMNS = (
    Column("id_number", "身份证号", ("公民身份号码", "身份证号码", "身份证"), required=True),
    Column("title", "培训名称", ("培训班名称", "项目名称", "课程名称"), required=True),
    Column("training_type", "培训类型", ("类型",), required=True),
    Column("mode", "培训形式", ("形式", "培训方式"), required=True),
    Column("start_date", "开始日期", ("起始日期",)),
    Column("date", "结束日期", ("完成日期", "结业日期"), required=True),
    Column("days", "天数", ("培训天数",)),
    Column("hours", "学时", ("学时数", "培训学时")),
    Column("subjects", "科目学时", ("分科目学时",)),
    Column("result", "考核结果", ("结果", "考核")),
    Column("score", "成绩", ("分数", "考试成绩")),
)
RECORD_HEADERS = tuple(c.header for c in RECORD_COLUMNS)


def _lookup(labels: dict[Any, str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for member, label in labels.items():
        for alias in (label, label.removesuffix("培训"), member.value):
            table[alias.lower()] = member.value
    return table


_TYPES = _lookup(TRAINING_TYPE_LABELS)
_MODES = _lookup(DELIVERY_MODE_LABELS)
_MODES.update({"脱产培训": "off_the_job", "网络培训": "online", "网络学习": "online"})
_RESULTS = {
    "合格": Result.PASSED,
    "通过": Result.PASSED,
    "pass": Result.PASSED,
    "passed": Result.PASSED,
    "不合格": Result.FAILED,
    "未通过": Result.FAILED,
    "fail": Result.FAILED,
    "failed": Result.FAILED,
    "": Result.NONE,
}
_SUBJECT_SPLIT = re.compile(r"[;；,，、\n]+")
_PAIR = re.compile(r"^(.+?)[:：=](.+)$")


def parse_subject_hours(text: str, subjects: Mapping[str, str] | None = None) -> dict[str, Decimal]:
    """'法治:4;职业道德:2' (names or codes, Chinese or ASCII separators) → {code: hours}.

    Names and codes are the catalogue's (`subjects`, read once per file by the import),
    so a subject the city bureau added is accepted (issue 10 item 10)."""
    if subjects is None:
        subjects = services.subject_codes()
    by_name = {name: code for code, name in subjects.items()}
    codes = set(by_name.values())
    out: dict[str, Decimal] = {}
    for part in _SUBJECT_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        match = _PAIR.match(part)
        if match is None:
            raise ValueError(f"“{part}”应写成 科目:学时，如 法治:4")
        name, amount = match.group(1).strip(), match.group(2).strip()
        code = by_name.get(name) or (name.lower() if name.lower() in codes else None)
        if code is None:
            raise ValueError(f"科目“{name}”不在科目目录中")
        try:
            hours = Decimal(amount)
        except InvalidOperation:
            raise ValueError(f"科目“{name}”的学时“{amount}”不是数字") from None
        if code in out:
            raise ValueError(f"科目“{name}”重复")
        out[code] = hours
    return out


def _decimal(value: Any) -> Decimal | None:
    text = cell_code(value)
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{text}”不是数字") from None
    if not number.is_finite():
        raise ValueError(f"“{text}”不是数字")
    return number


def _source_ref(id_number: str, inp: EntryInput) -> str:
    content = "|".join(
        str(x)
        for x in (
            id_number,
            inp.title,
            inp.training_type,
            inp.mode,
            inp.start_date,
            inp.date,
            inp.hours,
            inp.days,
            sorted(inp.subject_hours.items()),
            inp.result,
            inp.score,
        )
    )
    return "hist:" + hashlib.sha256(content.encode()).hexdigest()[:40]


def _parse_row(
    row: SourceRow,
    table: Table,
    add: Callable[[str, Any, str], int],
    subjects: Mapping[str, str] | None = None,
) -> tuple[str, EntryInput] | None:
    v = row.values
    errors_before = add("", None, "")  # add() with no reason only counts the errors so far

    def cell(key: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(v.get(key))
        except ValueError as exc:
            add(key, v.get(key), str(exc))
            return None

    id_number = cell("id_number", lambda x: parse_id_number(cell_code(x)))
    title = cell_text(v.get("title"))
    if not title:
        add("title", "", "培训名称不能为空")
    training_type = _TYPES.get(cell_text(v.get("training_type")).lower())
    if training_type is None:
        add(
            "training_type",
            v.get("training_type"),
            "应为 初任培训/任职培训/专门业务培训/在职培训/专题培训/对口培训",
        )
    mode = _MODES.get(cell_text(v.get("mode")).lower())
    if mode is None:
        add("mode", v.get("mode"), "应为 脱产/网络/现场教学/研讨/混合/在职自学")
    start_date = cell("start_date", parse_date)
    date = cell("date", parse_date)
    if date is None and not cell_text(v.get("date")):
        add("date", "", "结束日期不能为空")
    days = cell("days", _decimal)
    hours = cell("hours", _decimal)
    subject_hours = cell("subjects", lambda x: parse_subject_hours(cell_text(x), subjects))
    result = _RESULTS.get(cell_text(v.get("result")).lower())
    if result is None:
        add("result", v.get("result"), "应为 合格/不合格（或留空）")
    score = cell("score", _decimal)
    if add("", None, "") != errors_before:
        return None
    inp = EntryInput(
        person_id=0,
        title=title,
        date=date,
        start_date=start_date,
        training_type=training_type or "",
        mode=mode or "",
        hours=hours,
        days=days,
        subject_hours=subject_hours or {},
        result=result or "",
        score=score,
        source_type=SourceType.HISTORICAL_IMPORT,
        source_ref="",
    )
    return id_number, inp


def validate_records(
    table: Table, *, actor: Actor, report: ImportReport
) -> list[tuple[int, EntryInput]]:
    """Every row checked; returns (row number, input) for the valid ones."""
    parsed: list[tuple[SourceRow, str, EntryInput]] = []
    subjects = services.subject_codes()
    for row in table.rows:
        count = len(report.errors)

        def add(key: str, value: Any, reason: str, row: SourceRow = row) -> int:
            if reason:
                column = table.header_of(key) if key else ""
                text = cell_text(value) if value is not None else ""
                report.errors.append(RowError(row.number, column, text, reason))
            return len(report.errors)

        result = _parse_row(row, table, add, subjects)
        if result is None or len(report.errors) != count:
            continue
        id_number, inp = result
        parsed.append((row, id_number, inp))
    ids = people_api.person_ids_by_id_number({n for _, n, _ in parsed})
    allowed = services.persons_allowed(actor, set(ids.values()))
    valid: list[tuple[int, EntryInput]] = []
    id_header = table.header_of("id_number", "身份证号")
    for row, id_number, inp in parsed:
        person_id = ids.get(id_number)
        if person_id is None or person_id not in allowed:
            masked = mask_id_number(id_number)
            report.errors.append(
                RowError(row.number, id_header, masked, "系统中没有此人员，或不在您的管辖范围内")
            )
            continue
        inp = EntryInput(**{**inp.__dict__, "person_id": person_id})
        inp = EntryInput(**{**inp.__dict__, "source_ref": _source_ref(id_number, inp)})
        try:
            services.prepare(inp, subjects)
        except ApplicationError as exc:
            report.errors.append(RowError(row.number, "", "", exc.message))
            continue
        valid.append((row.number, inp))
    report.valid = len(valid)
    return valid


def records_import(
    source: bytes | IO[bytes] | str,
    *,
    actor: Actor,
    filename: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: ProgressFn | None = None,
) -> tuple[ImportReport, Table | None]:
    """Import historical records; returns the report and the table (for the error file)."""
    report = ImportReport(
        kind="records", filename=filename, dry_run=dry_run, skip_invalid=skip_invalid
    )

    def write(valid: Sequence[tuple[int, EntryInput]]) -> None:
        result = services.credit_entries_bulk_record(actor=actor, entries=[inp for _, inp in valid])
        for item in result.items:
            if item.status == ItemStatus.ERROR:  # validated above; kept for safety
                report.errors.append(RowError(valid[item.index][0], "", "", item.error_message))
        report.created, report.unchanged = result.created, result.existing
        if progress is not None:
            progress(len(valid), len(valid))
        audit_record(
            actor=actor,
            action="credit.records_import",
            object_type="import",
            object_label=filename,
            changes={
                "rows": report.rows_read,
                "created": result.created,
                "unchanged": result.existing,
                "skipped_bad_rows": report.bad_rows,
            },
        )

    return run_import(
        report,
        source,
        columns=RECORD_COLUMNS,
        validate=lambda table: validate_records(table, actor=actor, report=report),
        write=write,
        refusal_as_message=False,  # a refused batch surfaces as the service's error
    )
