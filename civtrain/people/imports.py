"""Roster and career-event imports from spreadsheets: validate every row, then write or not.

Default all-or-nothing: any bad row → nothing written, every bad row reported with its Excel
row number, column and reason. `skip_invalid` writes the valid rows in one transaction;
`dry_run` reports what would happen and rolls back (issue 2 items 4–5).
"""

import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import QuerySet

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.core import crypto
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record, audit_record_under
from civtrain.core.tabular import (
    Column,
    ImportReport,
    ProgressFn,
    RowError,
    SourceRow,
    Table,
    TabularError,
    TabularErrorCode,
    cell_code,
    cell_text,
    parse_date,
    parse_yes_no,
    run_import,
    write_table,
)
from civtrain.core.text import FORMULA_NAME_REASON, FORMULA_PREFIXES
from civtrain.organisations.api import OrgNodeData, org_by_codes, org_data_many
from civtrain.people import services
from civtrain.people.data import (
    CATEGORY_LABELS,
    GENDER_LABELS,
    LEVEL_LABELS,
    CareerEventInput,
    Category,
    EventKind,
    Gender,
    LeadershipLevel,
    PersonInput,
    birth_date_of,
    mask_birth_date,
    mask_id_number,
    parse_category,
    parse_event_kind,
    parse_gender,
    parse_id_number,
    parse_level,
    parse_rank,
)
from civtrain.people.models import ID_CONTEXT, PHONE_CONTEXT, Person
from civtrain.people.selectors import person_unit_paths_by_hash

# implements issue 2 item 5: the roster template (docs/roster-template.md describes it).
ROSTER_COLUMNS = (
    Column("name", "姓名", ("名字", "人员姓名"), required=True),
    Column("id_number", "身份证号", ("公民身份号码", "身份证号码", "身份证", "证件号码"), True),
    Column("gender", "性别", ()),
    Column("birth_date", "出生日期", ("出生年月日", "生日")),
    Column("unit_code", "单位编码", ("单位代码", "所在单位编码", "机构编码"), required=True),
    Column("category", "人员类别", ("类别", "职位类别")),
    Column("rank", "职级", ("职级名称", "现职级")),
    Column("leadership_level", "职务层次", ("职务级别", "领导职务层次", "领导职务")),
    Column("grassroots", "是否基层", ("基层",)),
    Column("basic_post", "是否机关基础岗位", ("机关基础岗位", "是否基础岗位", "基础岗位")),
    Column("law_enforcement", "是否行政执法", ("行政执法", "是否执法人员")),
    Column("reporting_date", "报到日期", ("报到时间", "参加工作时间", "入职日期")),
    Column("phone", "手机号", ("手机号码", "手机", "联系电话")),
)
ROSTER_HEADERS = tuple(c.header for c in ROSTER_COLUMNS)
# Exports add the learner's login name after the template's columns (#11 item 1: HR hands it
# out); the import reads the template's columns and leaves this one alone.
EXPORT_HEADERS = (*ROSTER_HEADERS, "登录名")

EVENT_COLUMNS = (
    Column("id_number", "身份证号", ("公民身份号码", "身份证号码", "身份证"), required=True),
    Column("kind", "事件类型", ("类型", "事件"), required=True),
    Column("date", "日期", ("事件日期", "发生日期", "任职时间"), required=True),
    Column("leadership_level", "职务层次", ("职务级别", "领导职务层次")),
    Column("rank", "职级", ()),
    Column("unit_code", "单位编码", ("单位代码", "调入单位编码")),
    # issue #10 item 4: the category and flags the event sets (blank: unchanged) …
    Column("category", "人员类别", ("类别", "职位类别")),
    Column("grassroots", "是否基层", ("基层",)),
    Column("basic_post", "是否机关基础岗位", ("机关基础岗位", "是否基础岗位", "基础岗位")),
    Column("law_enforcement", "是否行政执法", ("行政执法", "是否执法人员")),
    # … and item 5: a transfer's origin (blank: the unit the person was in before).
    Column("from_unit_code", "原单位编码", ("调出单位编码",)),
)
EVENT_FLAGS = ("grassroots", "basic_post", "law_enforcement")
_EVENT_FIELD_COLUMN = {"unit_id": "unit_code", "from_unit_id": "from_unit_code"}
ORIGIN_NOT_FOUND = "原单位编码不存在"

_PHONE = re.compile(r"^1\d{10}$")
UNIT_NOT_FOUND = "单位编码不存在或不在您的管辖范围内"
# A roster row that cannot be written by this actor: the unit is unknown or not theirs, or
# the person is registered in a unit that is not theirs. One message for both, so a row
# never tells whether an ID number is registered elsewhere (issue 8 item 1).
ROW_NOT_IN_SCOPE = services.PERSON_NOT_IN_SCOPE
PERSON_NOT_FOUND = "该身份证号未登记或不在您的管辖范围内"


class _Rows:
    """Collects the errors of one row, naming the column by its header in the file."""

    def __init__(self, table: Table, report: ImportReport, columns: Sequence[Column]) -> None:
        self.table = table
        self.report = report
        self.headers = {c.key: c.header for c in columns}
        self.memo: dict[Any, Any] = {}

    def error(self, row: SourceRow, key: str, reason: str, value: Any = None) -> None:
        text = cell_text(row.values.get(key, "") if value is None else value)
        if key == "id_number" and len(text) > 8:
            # Reports reach pages, logs and JSON: never an ID number in clear (issue 2).
            text = mask_id_number(text)
        self.report.errors.append(
            RowError(
                row=row.number,
                column=self.table.header_of(key, self.headers.get(key, key)),
                value=text,
                reason=reason,
            )
        )

    def parse(self, row: SourceRow, key: str, parser: Callable[[Any], Any]) -> Any:
        """parser(cell), or _BAD with the reason recorded. Results are remembered per column
        and cell value: categories, ranks, flags and dates repeat across 10⁵ rows."""
        raw = row.values.get(key, "")
        memo_key: Any = None if key in _UNIQUE_COLUMNS else (key, type(raw), raw)
        try:
            hit = self.memo.get(memo_key, _MISS) if memo_key is not None else _MISS
        except TypeError:  # an unhashable cell value: parse it every time
            hit, memo_key = _MISS, None
        if hit is _MISS:
            try:
                hit = parser(raw)
            except ValueError as exc:
                hit = _Failed(str(exc))
            if memo_key is not None and len(self.memo) < 200_000:
                self.memo[memo_key] = hit
        if isinstance(hit, _Failed):
            self.error(row, key, hit.reason)
            return _BAD
        return hit


_BAD: Any = object()
_MISS: Any = object()
_UNIQUE_COLUMNS = frozenset({"id_number", "phone"})  # values never repeat: nothing to remember


@dataclass(frozen=True)
class _Failed:
    reason: str


def _units_in_scope(actor: Actor, codes: set[str]) -> dict[str, OrgNodeData]:
    """Units the actor administers, by code; anything else is "unknown" (same message)."""
    scope = actor_scope(actor)
    return {
        code: node
        for code, node in org_by_codes(codes).items()
        if node.active and scope.covers(node.path, *PERSONNEL_ROLES)
    }


def _id_numbers_of(table: Table) -> dict[int, str | ValueError]:
    """Each row's ID number parsed once (or why it cannot be): the scope check and the row
    loop both need it, and parsing with its check digit is a tenth of a 10⁵-row validation."""
    parsed: dict[int, str | ValueError] = {}
    for row in table.rows:
        try:
            parsed[row.number] = _id_number_from_cell(row.values.get("id_number", ""))
        except ValueError as exc:
            parsed[row.number] = exc
    return parsed


def _registered_outside_scope(actor: Actor, numbers: Iterable[str]) -> set[str]:
    """Those of the file's valid ID numbers that belong to people the actor does not administer."""
    by_hash = {crypto.lookup_hash(n, context=ID_CONTEXT): n for n in set(numbers)}
    scope = actor_scope(actor)
    return {
        by_hash[key]
        for key, path in person_unit_paths_by_hash(list(by_hash)).items()
        if not scope.covers(path, *PERSONNEL_ROLES)
    }


def _already_parsed(value: str | ValueError, _cell: Any) -> str:
    """A parser for _Rows.parse that hands back what _id_numbers_of found."""
    if isinstance(value, ValueError):
        raise value
    return value


def _parse_phone(value: Any) -> str:
    phone = cell_code(value)
    if phone.startswith("+86"):
        phone = phone[3:]
    phone = phone.replace("-", "")
    if phone and not _PHONE.match(phone):
        raise ValueError("手机号应为11位数字，以1开头")
    return phone


def _id_number_from_cell(value: Any) -> str:
    if isinstance(value, float) and value >= 1e15:
        # An 18-digit number stored as a number cell keeps only 15 significant digits.
        raise ValueError("身份证号被 Excel 存成了数字，末几位已丢失，请把该列设为文本后重新填写")
    text = cell_code(value)
    if not text:
        raise ValueError("身份证号不能为空")
    if re.fullmatch(r"\d(\.\d+)?E\+\d+", text.upper()):
        # Excel turned the number into 5.00101E+17 and lost digits: the original is gone.
        raise ValueError("身份证号被 Excel 存成了科学计数法，请把该列设为文本后重新填写")
    return parse_id_number(text)


def _gender_cell(value: Any) -> Gender | None:
    text = cell_code(value)
    return parse_gender(text) if text else None


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`parse` for a cell that may be left blank (None: the event leaves it unchanged)."""
    return lambda value: None if cell_code(value) == "" else parse(value)


def _category_cell(value: Any) -> Category:
    text = cell_code(value)
    return parse_category(text) if text else Category.GENERAL


def _gender_from_id(id_number: str) -> Gender:
    return Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE


def validate_roster(
    table: Table, *, actor: Actor, report: ImportReport
) -> list[tuple[SourceRow, PersonInput]]:
    """Every row checked before anything is written; bad rows land in report.errors."""
    rows = _Rows(table, report, ROSTER_COLUMNS)
    codes = {cell_code(r.values.get("unit_code", "")) for r in table.rows}
    units = _units_in_scope(actor, codes)
    id_numbers = _id_numbers_of(table)
    foreign = _registered_outside_scope(
        actor, (n for n in id_numbers.values() if isinstance(n, str))
    )
    first_row_of: dict[str, int] = {}
    duplicates: dict[str, list[SourceRow]] = {}
    valid: list[tuple[SourceRow, PersonInput]] = []
    for row in table.rows:
        n_errors = len(report.errors)
        name = cell_text(row.values.get("name", ""))
        if not name:
            rows.error(row, "name", "姓名不能为空")
        elif len(name) > 50:
            rows.error(row, "name", "姓名过长（最多50个字）")
        elif name.startswith(FORMULA_PREFIXES):
            rows.error(row, "name", FORMULA_NAME_REASON)  # issue 8 item 5
        id_number = rows.parse(
            row, "id_number", functools.partial(_already_parsed, id_numbers[row.number])
        )
        if id_number is not _BAD:
            if id_number in first_row_of:
                duplicates.setdefault(id_number, []).append(row)
            else:
                first_row_of[id_number] = row.number
        birth = rows.parse(row, "birth_date", parse_date)
        if (
            birth not in (_BAD, None)
            and id_number is not _BAD
            and birth != birth_date_of(id_number)
        ):
            rows.error(
                row,
                "birth_date",
                f"出生日期与身份证号不一致（身份证号中为 {birth_date_of(id_number).isoformat()}）",
            )
        gender = rows.parse(row, "gender", _gender_cell)
        if gender is None:  # an empty cell: the ID number says
            gender = _gender_from_id(id_number) if id_number is not _BAD else _BAD
        elif gender is not _BAD and id_number is not _BAD and gender != _gender_from_id(id_number):
            rows.error(row, "gender", "性别与身份证号不一致（第17位奇数为男、偶数为女）")
        code = cell_code(row.values.get("unit_code", ""))
        unit = units.get(code)
        if not code:
            rows.error(row, "unit_code", "单位编码不能为空")
        elif unit is None or (id_number is not _BAD and id_number in foreign):
            rows.error(row, "unit_code", ROW_NOT_IN_SCOPE)
        category = rows.parse(row, "category", _category_cell)
        rank = rows.parse(row, "rank", lambda v: parse_rank(cell_code(v)))
        level = rows.parse(row, "leadership_level", lambda v: parse_level(cell_code(v)))
        flags = {
            key: rows.parse(row, key, parse_yes_no)
            for key in ("grassroots", "basic_post", "law_enforcement")
        }
        reporting = rows.parse(row, "reporting_date", parse_date)
        born = birth_date_of(id_number) if id_number is not _BAD else None
        if reporting not in (_BAD, None) and born is not None and reporting < born:
            rows.error(row, "reporting_date", "报到日期早于出生日期")
        phone = rows.parse(row, "phone", _parse_phone)
        if len(report.errors) > n_errors:
            continue
        assert unit is not None  # noqa: S101 — no error recorded means the unit was found
        valid.append(
            (
                row,
                PersonInput(
                    name=name,
                    id_number=id_number,
                    gender=gender,
                    unit_id=unit.id,
                    birth_date=birth or birth_date_of(id_number),
                    category=category,
                    rank=rank,
                    leadership_level=level,
                    grassroots=flags["grassroots"],
                    basic_post=flags["basic_post"],
                    law_enforcement=flags["law_enforcement"],
                    reporting_date=reporting,
                    phone=phone,
                ),
            )
        )
    if duplicates:
        # Name both rows: the first occurrence and each repeat (issue 2, must show).
        by_number = {r.number: r for r in table.rows}
        bad_numbers: set[int] = set()
        for id_number, repeats in duplicates.items():
            first = by_number[first_row_of[id_number]]
            others = "、".join(str(r.number) for r in repeats)
            rows.error(first, "id_number", f"身份证号在文件中重复（与第 {others} 行相同）")
            bad_numbers.add(first.number)
            for r in repeats:
                rows.error(r, "id_number", f"身份证号在文件中重复（与第 {first.number} 行相同）")
                bad_numbers.add(r.number)
        valid = [(r, p) for r, p in valid if r.number not in bad_numbers]
    report.valid = len(valid)
    return valid


def roster_import(
    source: bytes | IO[bytes] | str,
    *,
    actor: Actor,
    filename: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: ProgressFn | None = None,
) -> tuple[ImportReport, Table | None]:
    """Import a roster file; returns the report and the table read (for the error file).

    A file that cannot be read at all is a report with a message and no rows.
    """
    report = ImportReport(
        kind="roster", filename=filename, dry_run=dry_run, skip_invalid=skip_invalid
    )

    def validate(table: Table) -> list[PersonInput]:
        return [p for _, p in validate_roster(table, actor=actor, report=report)]

    def write(inputs: Sequence[PersonInput]) -> None:
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, len(inputs))

        result = services.person_bulk_upsert(actor=actor, rows=inputs, progress=step)
        report.created, report.updated, report.unchanged = (
            result.created,
            result.updated,
            result.unchanged,
        )
        # Filed where the rows went, or where the importer works when none did (#8 item 9).
        units = org_data_many({i.unit_id for i in inputs}).values()
        audit_record_under(
            actor=actor,
            action="person.import",
            object_type="import",
            object_label=filename,
            org_paths=[u.path for u in units] or actor_scope(actor).paths_for(*PERSONNEL_ROLES),
            changes={
                "rows": report.rows_read,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped_bad_rows": report.bad_rows,
            },
        )

    return run_import(report, source, columns=ROSTER_COLUMNS, validate=validate, write=write)


# --- export ----------------------------------------------------------------------------


def _yes_no(flag: bool) -> str:
    return "是" if flag else "否"


_EXPORT_FIELDS = (
    "name",
    "id_number_enc",
    "gender",
    "birth_date",
    "unit__code",
    "category",
    "rank",
    "leadership_level",
    "grassroots",
    "basic_post",
    "law_enforcement",
    "reporting_date",
    "phone_enc",
    "user__username",
)
# A masked export reads the stored masks, never the ciphertexts (#17 item 4).
_MASKED_FIELDS = tuple(
    {"id_number_enc": "id_number_masked", "phone_enc": "phone_masked"}.get(f, f)
    for f in _EXPORT_FIELDS
)


def template_rows(
    qs: QuerySet[Person], on_row: Callable[[int], None] | None = None, *, masked: bool = False
) -> Iterator[list[Any]]:
    """People as rows of the import template (so an export re-imports) and their login name
    (EXPORT_HEADERS), with the ID and phone numbers decrypted — the reason every export is
    audited by its caller, with the reason it was given (#17 item 4). `masked`: the ID and
    phone numbers as every page shows them and the birth date to its year (such a file does
    not re-import; it needs no reason)."""
    fields = _MASKED_FIELDS if masked else _EXPORT_FIELDS
    for done, values in enumerate(qs.values_list(*fields).iterator(2000), start=1):
        (name, id_value, gender, birth, code, cat, rank, level, g, b, law, rep, phone, login) = (
            values
        )
        if masked:
            id_number, birth_out, phone_out = id_value, mask_birth_date(birth) or "", phone
        else:
            id_number = crypto.decrypt(bytes(id_value), context=ID_CONTEXT) if id_value else ""
            phone_out = crypto.decrypt(bytes(phone), context=PHONE_CONTEXT) if phone else ""
            birth_out = birth
        yield [
            name,
            id_number,
            GENDER_LABELS[Gender(gender)] if gender else "",
            birth_out,
            code,
            CATEGORY_LABELS[Category(cat)],
            rank,
            LEVEL_LABELS[LeadershipLevel(level)] if level else "",
            _yes_no(g),
            _yes_no(b),
            _yes_no(law),
            rep,
            phone_out,
            login or "",
        ]
        if on_row is not None:
            on_row(done)


def roster_template(fmt: str = "xlsx") -> bytes:
    """The blank template with one example row (docs/roster-template.md)."""
    example = [
        "张三",
        "500101199005170019",
        "男",
        dt.date(1990, 5, 17),
        "U1",
        "综合管理类",
        "一级科员",
        "",
        "是",
        "是",
        "否",
        dt.date(2015, 3, 1),
        "13800138000",
    ]
    return write_table(ROSTER_HEADERS, [example], fmt=fmt, sheet_title="名册")


# --- career events ---------------------------------------------------------------------


@dataclass(frozen=True)
class _EventRow:
    row: SourceRow
    event: CareerEventInput


def events_import(
    source: bytes | IO[bytes] | str,
    *,
    actor: Actor,
    filename: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> tuple[ImportReport, Table | None]:
    """Import career events (录用/晋升/职级调整/调动/退休) and re-derive each person's current
    state (CQ-T6). An unknown ID number is a row error, as is one outside the actor's scope."""
    report = ImportReport(
        kind="events", filename=filename, dry_run=dry_run, skip_invalid=skip_invalid
    )

    def write(valid: Sequence[CareerEventInput]) -> None:
        recorded = services.career_event_bulk_record(actor=actor, events=list(valid))
        report.created = recorded
        report.unchanged = len(valid) - recorded
        audit_record(
            actor=actor,
            action="career_event.import",
            object_type="import",
            object_label=filename,
            changes={"rows": report.rows_read, "recorded": recorded},
        )

    return run_import(
        report,
        source,
        columns=EVENT_COLUMNS,
        validate=lambda table: validate_events(table, actor=actor, report=report),
        write=write,
    )


def validate_events(table: Table, *, actor: Actor, report: ImportReport) -> list[CareerEventInput]:
    """Every event row checked before anything is written; bad rows land in report.errors."""
    rows = _Rows(table, report, EVENT_COLUMNS)
    scope = actor_scope(actor)
    ids: dict[int, str] = {}
    for row in table.rows:
        try:
            ids[row.number] = _id_number_from_cell(row.values.get("id_number", ""))
        except ValueError as exc:
            rows.error(row, "id_number", str(exc))
    hashes = {crypto.lookup_hash(i, context=ID_CONTEXT) for i in set(ids.values())}
    people: dict[str, tuple[int, str]] = {}
    for key, pk, path in Person.objects.filter(id_number_hash__in=hashes).values_list(
        "id_number_hash", "pk", "unit__path"
    ):
        if scope.covers(path, *PERSONNEL_ROLES):
            people[key] = (pk, path)
    codes = {cell_code(r.values.get("unit_code", "")) for r in table.rows}
    units = _units_in_scope(actor, codes)
    # A transfer is the releasing side's act: its target may be any active unit (issue 8
    # item 1); the person must be the actor's, checked above.
    targets = {code: n for code, n in org_by_codes(codes).items() if n.active}
    # A transfer's origin is history: any unit that exists (issue #10 item 5).
    origins = org_by_codes({cell_code(r.values.get("from_unit_code", "")) for r in table.rows})
    seen: dict[tuple[int, EventKind, dt.date], int] = {}
    valid: list[_EventRow] = []
    for row in table.rows:
        n_errors = len(report.errors)
        person = None
        if row.number in ids:
            person = people.get(crypto.lookup_hash(ids[row.number], context=ID_CONTEXT))
            if person is None:
                rows.error(row, "id_number", PERSON_NOT_FOUND)
        kind = rows.parse(row, "kind", lambda v: parse_event_kind(cell_code(v)))
        date = rows.parse(row, "date", parse_date)
        if date is None:
            rows.error(row, "date", "日期不能为空")
        level = rows.parse(row, "leadership_level", lambda v: parse_level(cell_code(v)))
        rank = rows.parse(row, "rank", lambda v: parse_rank(cell_code(v)))
        code = cell_code(row.values.get("unit_code", ""))
        unit = (targets if kind == EventKind.TRANSFER else units).get(code) if code else None
        if code and unit is None:
            rows.error(row, "unit_code", UNIT_NOT_FOUND)
        category = rows.parse(row, "category", _optional(parse_category))
        flags = {f: rows.parse(row, f, _optional(parse_yes_no)) for f in EVENT_FLAGS}
        origin_code = cell_code(row.values.get("from_unit_code", ""))
        origin = origins.get(origin_code) if origin_code else None
        if origin_code and origin is None:
            rows.error(row, "from_unit_code", ORIGIN_NOT_FOUND)
        event = CareerEventInput(
            person_id=person[0] if person else 0,
            kind=kind,
            date=date,
            leadership_level=level,
            rank=rank,
            unit_id=unit.id if unit else None,
            category=category,
            from_unit_id=origin.id if origin else None,
            **flags,
        )
        if isinstance(kind, EventKind):
            # the event's own rules, on columns that read well (a bad cell is reported once)
            named = {e.column for e in report.errors[n_errors:]}
            for field, reason in services.event_problems(event):
                key = _EVENT_FIELD_COLUMN.get(field, field)
                if table.header_of(key, rows.headers[key]) not in named:
                    rows.error(row, key, reason)
        if len(report.errors) > n_errors or person is None:
            continue
        event_key = (person[0], kind, date)
        if event_key in seen:
            rows.error(row, "date", f"与第 {seen[event_key]} 行是同一人同一天的同类事件")
            continue
        seen[event_key] = row.number
        valid.append(_EventRow(row, event))
    report.valid = len(valid)
    return [v.event for v in valid]


# --- background job (the import page) --------------------------------------------------

ROSTER_JOB_RUNNER = "civtrain.people.imports:run_roster_job"


def run_roster_job(job: Any, progress: ProgressFn) -> None:
    """Runner for core.jobs: the uploaded roster, imported as the user who uploaded it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from civtrain.accounts.api import User
    from civtrain.core.audit import RequestContext, request_context
    from civtrain.core.tabular import error_workbook

    actor = User.objects.get(pk=job.created_by_id)
    with default_storage.open(job.input_file, "rb") as fh:
        data = fh.read()
    ctx = RequestContext(actor_id=actor.pk, actor_label=str(actor), ip_address=job.params.get("ip"))
    with request_context(ctx):
        report, table = roster_import(
            data,
            actor=actor,
            filename=job.params.get("filename", "roster.xlsx"),
            dry_run=bool(job.params.get("dry_run")),
            skip_invalid=bool(job.params.get("skip_invalid")),
            progress=progress,
        )
    job.report = report.as_dict()
    job.total = job.processed = report.rows_read
    if table is None and report.message:
        # The file was refused as a whole (too large, unreadable …): the job failed.
        raise TabularError(TabularErrorCode.UNREADABLE, report.message)
    if report.errors:
        # A random name: the bad rows hold clear ID numbers (purged with core.files).
        job.error_file = default_storage.save(
            f"imports/errors/{uuid.uuid4().hex}.xlsx", ContentFile(error_workbook(report, table))
        )
