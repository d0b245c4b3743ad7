"""Reading spreadsheets people fill in (xlsx/xls/ods/csv) and reporting their bad rows.

Generic: the roster, career events, the org tree and historical ledger records all read
through here. Headers are matched by name (with aliases, column order free); row numbers
are the ones the user sees in Excel (the header row is row 1 in a plain template).
"""

import csv
import datetime as dt
import gc
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from django.db import transaction

from civtrain.core import spreadsheets
from civtrain.core.actors import Actor
from civtrain.core.errors import ApplicationError
from civtrain.core.spreadsheets import TabularError, TabularErrorCode
from civtrain.core.text import (
    CONTROL_REASON,
    compact,
    has_control_characters,
    normalise,
    parse_bool,
    spreadsheet_safe,
)

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SUFFIXES = (*SPREADSHEET_SUFFIXES, ".csv")
ERROR_COLUMN = "错误原因"
ROW_COLUMN = "原行号"
# How many leading rows may hold a title above the header row.
_HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    """An expected column: its key in code, its template header, other names people use."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> set[str]:
        return {_header_key(n) for n in (self.header, *self.aliases)}


def _header_key(text: object) -> str:
    # "出生日期（yyyy-mm-dd）*" → "出生日期": notes in brackets and required-marks are ignored.
    key = compact(text)
    key = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", key)
    return key.strip("*").lower()


@dataclass(frozen=True)
class SourceRow:
    """One data row: its Excel row number, values by column key, and the raw cells."""

    number: int
    values: dict[str, Any]
    cells: tuple[Any, ...]


@dataclass
class Table:
    headers: list[str]  # header texts as they appear in the file, in file order
    columns: dict[str, int]  # column key → index in the file
    rows: list[SourceRow]
    ignored_headers: list[str] = field(default_factory=list)
    # Rows refused by the reader itself (control characters, issue 8 item 6): never handed
    # to an importer's validation, reported with their row number, kept for the error file.
    rejected: list[SourceRow] = field(default_factory=list)
    errors: list["RowError"] = field(default_factory=list)

    def header_of(self, key: str, default: str = "") -> str:
        index = self.columns.get(key)
        return self.headers[index] if index is not None else default


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it in Excel
    column: str  # the column's header text in the file ("" for the whole row)
    value: str
    reason: str


def _cell_str(value: Any) -> str:
    """A cell as text; integral floats (phones, serials) lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def cell_text(value: Any) -> str:
    """Normalised text: full-width → half-width, stray spaces collapsed."""
    if type(value) is str:
        # core.text.normalise, inlined for the hot path of 10⁵-row imports: NFKC leaves
        # ASCII as it is, and split/join collapses the same whitespace as its regex.
        return " ".join(
            (value if value.isascii() else unicodedata.normalize("NFKC", value)).split()
        )
    return normalise(_cell_str(value))


def cell_code(value: Any) -> str:
    """Text with every space removed: codes, ID numbers, phone numbers."""
    if type(value) is str and value.isascii():
        return "".join(value.split())
    return compact(_cell_str(value))


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's leap-year bug included)
_MAX_SERIAL = 2958465  # 9999-12-31


def _from_serial(serial: float) -> dt.date:
    if not 1 <= serial <= _MAX_SERIAL:
        raise ValueError(f"无法识别的日期“{_cell_str(serial)}”")
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_date(value: Any) -> dt.date | None:
    """A date from a date cell, an Excel serial, or text such as 2015-03-01, 2015/3/1,
    2015.3.1, 2015年3月1日, 20150301. Empty → None; anything else → ValueError (why)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    # "2015-03-01 00:00:00" (a date cell that went through text): the time is dropped.
    text = compact(re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", normalise(value)))
    if not text:
        return None
    match = _DATE_RE.match(text)
    if match is None and len(text) == 8 and text.isdigit():
        match = re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if match is None and re.fullmatch(r"\d{1,7}(\.0+)?", text):
        return _from_serial(float(text))  # a serial number that went through CSV
    if match is None:
        raise ValueError(f"无法识别的日期“{text}”，请写成 2015-03-01 这样的格式")
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"日期不存在：{year}年{month}月{day}日") from None


def parse_yes_no(value: Any, *, default: bool = False) -> bool:
    """是/否, Y/N, yes/no, 1/0, √/×; an empty cell is `default`."""
    if value is None or cell_code(value) == "":
        return default
    if isinstance(value, bool):
        return value
    return parse_bool(_cell_str(value))


# --- reading ---------------------------------------------------------------------------


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError(TabularErrorCode.UNREADABLE, "CSV 文件编码无法识别，请另存为 UTF-8 或 GBK")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    spreadsheets.check_file_size(len(data))
    text = _decode_csv(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    start = 1
    count = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # A field over csv.field_size_limit() (131,072 characters) was a traceback (issue
            # 8 item 4); no real cell is that long.
            too_long = "field larger than field limit" in str(exc)
            reason = (
                f"有单元格超过 {csv.field_size_limit()} 个字符"
                if too_long
                else "格式有误（例如引号没有配对）"
            )
            raise TabularError(
                TabularErrorCode.UNREADABLE, f"CSV 文件第 {reader.line_num} 行{reason}，无法导入"
            ) from None
        count += 1
        spreadsheets.check_extent(count, len(cells))
        yield start, list(cells)
        start = reader.line_num + 1


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(_cell_str(c).strip() == "" for c in cells)


def read_table(
    source: bytes | str | Path | IO[bytes], *, filename: str, columns: Sequence[Column]
) -> Table:
    """Read the first sheet (or the CSV) into rows keyed by column; raise TabularError when
    the file cannot be read or a required column is missing."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise TabularError(
            TabularErrorCode.UNSUPPORTED,
            f"不支持的文件类型“{suffix or filename}”，请上传 .xlsx、.xls、.ods 或 .csv 文件",
        )
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | Path):
        data = Path(source).read_bytes()
    else:
        data = source.read()
    raw = (
        _csv_rows(data) if suffix == ".csv" else spreadsheets.spreadsheet_rows(data, suffix=suffix)
    )

    lookup = {name: col for col in columns for name in col.names()}
    required = [c for c in columns if c.required]
    header_cells: list[Any] | None = None
    header_row = 0
    for number, cells in raw:
        keys = {_header_key(c) for c in cells}
        if any(keys & c.names() for c in required or columns):
            header_cells, header_row = cells, number
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    if header_cells is None:
        names = "、".join(c.header for c in (required or columns))
        raise TabularError(
            TabularErrorCode.MISSING_COLUMNS,
            f"在前 {_HEADER_SEARCH_ROWS} 行中找不到表头（应包含：{names}）",
        )
    headers = [cell_text(c) for c in header_cells]
    mapping: dict[str, int] = {}
    ignored: list[str] = []
    for index, text in enumerate(headers):
        col = lookup.get(_header_key(text))
        if col is None or col.key in mapping:
            if text:
                ignored.append(text)
            continue
        mapping[col.key] = index
    missing = [c.header for c in required if c.key not in mapping]
    if missing:
        raise TabularError(
            TabularErrorCode.MISSING_COLUMNS,
            f"第 {header_row} 行的表头缺少必需的列：{'、'.join(missing)}",
            {"missing": missing},
        )
    width = len(headers)
    table = Table(headers=headers, columns=mapping, rows=[], ignored_headers=ignored)
    for number, cells in raw:
        if _is_blank(cells):
            continue
        padded = tuple(cells) + ("",) * (width - len(cells))
        values = {key: padded[index] for key, index in mapping.items()}
        row = SourceRow(number=number, values=values, cells=padded)
        bad = _control_columns(table, padded)
        if bad:
            table.rejected.append(row)
            table.errors.extend(RowError(number, header, "", CONTROL_REASON) for header in bad)
        else:
            table.rows.append(row)
    return table


def _control_columns(table: Table, cells: Sequence[Any]) -> list[str]:
    """Headers of the cells holding control characters (NUL …), issue 8 item 6. A cell's
    value is not echoed: it may be an ID number."""
    strings = [c for c in cells if type(c) is str]
    if "".join(strings).isprintable():
        return []
    bad = []
    for index, cell in enumerate(cells):
        if type(cell) is str and has_control_characters(cell):
            header = table.headers[index] if index < len(table.headers) else ""
            bad.append(header or f"第 {index + 1} 列")
    return bad


def refuse_rejected(table: Table) -> None:
    """For readers without a per-row report: refuse the file, naming the rows."""
    if table.errors:
        rows = sorted({e.row for e in table.errors})
        shown = "、".join(str(r) for r in rows[:10]) + ("……" if len(rows) > 10 else "")
        raise TabularError(TabularErrorCode.UNREADABLE, f"第 {shown} 行{CONTROL_REASON}")


# --- reporting -------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, or would do: counts and every bad row."""

    kind: str
    filename: str = ""
    rows_read: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    skip_invalid: bool = False
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    message: str = ""  # a whole-file problem (missing column), when there are no rows

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors and not self.message

    def summary(self) -> str:
        if self.message:
            return self.message
        parts = [f"读取 {self.rows_read} 行，有效 {self.valid} 行，错误 {self.bad_rows} 行"]
        if self.dry_run:
            parts.append(
                f"试运行（未写入）：将新增 {self.created}，更新 {self.updated}，"
                f"不变 {self.unchanged}"
            )
        elif self.written:
            parts.append(f"已写入：新增 {self.created}，更新 {self.updated}，不变 {self.unchanged}")
        else:
            parts.append("未写入任何数据（存在错误行，整批未导入）")
        return "；".join(parts)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["bad_rows"] = self.bad_rows
        data["summary"] = self.summary()
        return data

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ImportReport":
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["errors"] = [RowError(**e) for e in data.get("errors", [])]
        return cls(**fields)

    def errors_by_row(self) -> dict[int, list[RowError]]:
        by_row: dict[int, list[RowError]] = {}
        for error in sorted(self.errors, key=lambda e: e.row):
            by_row.setdefault(error.row, []).append(error)
        return by_row

    def render_table(self, console: Any, *, limit: int = 200) -> None:
        """Print the report on a rich console: the summary, then one line per bad cell."""
        from rich.table import Table as RichTable

        console.print(self.summary())
        if not self.errors:
            return
        table = RichTable(title="错误行", show_lines=False)
        for title in ("行号", "列", "值", "原因"):
            table.add_column(title)
        for error in sorted(self.errors, key=lambda e: e.row)[:limit]:
            table.add_row(str(error.row), error.column, error.value, error.reason)
        console.print(table)
        if len(self.errors) > limit:
            console.print(f"……另有 {len(self.errors) - limit} 条错误，完整清单见错误文件")


def error_workbook(report: ImportReport, table: Table | None) -> bytes:
    """An .xlsx of the bad rows as they were in the file, with 原行号 and 错误原因 added,
    so the user can fix them and import the same file again."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误行")
    by_row = report.errors_by_row()
    if table is not None:
        sheet.append(_excel_cells([*table.headers, ROW_COLUMN, ERROR_COLUMN]))
        rows = sorted([*table.rows, *table.rejected], key=lambda r: r.number)
        for row in rows:
            if row.number in by_row:
                reasons = _reasons(by_row[row.number])
                sheet.append(_excel_cells([*row.cells, row.number, reasons]))
    else:
        sheet.append([ROW_COLUMN, "列", "值", ERROR_COLUMN])
        for number, errors in by_row.items():
            for e in errors:
                sheet.append(_excel_cells([number, e.column, e.value, e.reason]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _reasons(errors: Iterable[RowError]) -> str:
    return "；".join(f"{e.column}：{e.reason}" if e.column else e.reason for e in errors)


def _excel_cells(cells: Iterable[Any]) -> list[Any]:
    """Cells as an export writes them: numbers and dates as they are, everything else as
    text, never a live formula nor a control character (issue 8 items 5–6)."""
    return [
        c if isinstance(c, int | float | dt.date) else spreadsheet_safe(_cell_str(c)) for c in cells
    ]


def write_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, fmt: str, sheet_title: str = "Sheet1"
) -> bytes:
    """Rows as .xlsx (write-only, for large exports) or as UTF-8 CSV with BOM (Excel opens it
    without garbling Chinese)."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(_excel_cells(headers))
        writer.writerows([spreadsheet_safe(_cell_str(c)) for c in row] for row in rows)
        return ("\ufeff" + out.getvalue()).encode()
    if fmt != "xlsx":
        raise TabularError(TabularErrorCode.UNSUPPORTED, f"不支持的导出格式“{fmt}”")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append([spreadsheet_safe(h) for h in headers])
    for row in rows:
        sheet.append([spreadsheet_safe(c) for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ProgressFn = Callable[[int, int], None]  # (rows done, rows in total)

# --- the import skeleton ----------------------------------------------------------------

T = TypeVar("T")


class _DryRun(Exception):
    """Raised inside the write transaction to roll back a dry run after exact counting."""


def run_import(
    report: ImportReport,
    source: bytes | str | Path | IO[bytes],
    *,
    columns: Sequence[Column],
    validate: Callable[[Table], Sequence[T] | None],
    write: Callable[[Sequence[T]], None],
    write_when_empty: bool = False,
    refusal_as_message: bool = True,
) -> tuple[ImportReport, Table | None]:
    """The one flow of every spreadsheet import (issue 2 item 5): read the file, validate
    every row, stop on any bad row unless `report.skip_invalid`, write the valid rows in one
    transaction, roll it back on `report.dry_run`. Returns the report and the table read
    (for the error file; None when the file could not be read or was refused as a whole).

    `validate(table)` records bad rows in `report.errors` and returns the valid ones; it
    may refuse the whole file by setting `report.message` (then nothing is written).
    `write(valid)` runs inside the transaction and fills the report's counts. An
    ApplicationError from it (a service refusing the batch) leaves nothing written and
    becomes `report.message`, unless `refusal_as_message` is False (then it propagates).
    Nothing is written when no row is valid, unless `write_when_empty`.
    """
    try:
        table = read_table(source, filename=report.filename, columns=columns)
    except ApplicationError as exc:
        report.message = exc.message
        return report, None
    report.rows_read = len(table.rows) + len(table.rejected)
    report.errors.extend(table.errors)
    valid = validate(table)
    if report.message:
        return report, None
    if (report.errors and not report.skip_invalid) or (not valid and not write_when_empty):
        return report, table
    try:
        with transaction.atomic():
            write(valid or [])
            if report.dry_run:
                raise _DryRun
    except _DryRun:
        return report, table
    except ApplicationError as exc:
        if not refusal_as_message:
            raise
        report.message = exc.message
        return report, table
    report.written = True
    return report, table


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a large import, in a process that does
    nothing else meanwhile: an import command (run_cli_import), a Celery pool process's job
    (core.jobs.run_background_job). A 10⁵-row import allocates millions of long-lived
    objects and no cycles, and the collector would rescan them over and over (+60 % CPU at
    10⁵ rows, bench/roster.py). Never in a web worker (#9 item 7): the switch is
    process-wide, and the worker's other threads' garbage would pile up meanwhile."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def run_cli_import(
    command: Any,
    options: dict[str, Any],
    run: Callable[..., tuple[ImportReport, Table | None]],
    *,
    actor: Actor,
    progress_label: str = "写入",
) -> ImportReport:
    """Shared body of the import commands: rich progress bar, report table or JSON, error
    workbook; exits non-zero when the file was refused."""
    from django.core.management.base import CommandError
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    path = Path(options["file"])
    if not path.exists():
        raise CommandError(f"找不到文件 {path}")
    console = Console(file=command.stdout, soft_wrap=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=command.stderr),
        transient=True,
        disable=options.get("format") == "json" or options.get("verbosity", 1) == 0,
    ) as bar:
        task = bar.add_task(progress_label, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        kwargs: dict[str, Any] = {
            "actor": actor,
            "filename": path.name,
            "dry_run": options.get("dry_run", False),
            "skip_invalid": options.get("skip_invalid", False),
        }
        if "progress" in run.__code__.co_varnames:
            kwargs["progress"] = progress
        with cyclic_gc_paused():  # the command's own process
            report, table = run(path.read_bytes(), **kwargs)
    if options.get("format") == "json":
        command.stdout.write(report.to_json())
    else:
        report.render_table(console)
    errors_out = options.get("errors_out")
    if errors_out and report.errors:
        from civtrain.core.files import write_private  # models: not at import time

        write_private(Path(errors_out), error_workbook(report, table))  # clear ID numbers
        command.stderr.write(f"错误行已写入 {errors_out}")
    # --skip-invalid asked for the bad rows to be left out: that run succeeded.
    if report.message or (report.errors and not report.skip_invalid):
        raise CommandError(report.summary() if report.message else f"{report.bad_rows} 行有错误")
    return report


def add_import_arguments(parser: Any, *, skip_invalid: bool = True) -> None:
    parser.add_argument("file", help=".xlsx / .xls / .ods / .csv")
    parser.add_argument("--actor", help="act as this user (default: the system, whole tree)")
    parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    if skip_invalid:
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the valid rows, report the bad"
        )
    parser.add_argument("--errors-out", help="write the bad rows to this .xlsx")
    parser.add_argument("--format", choices=("table", "json"), default="table")
