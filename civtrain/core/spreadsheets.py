"""Reading uploaded .xlsx/.xls/.ods files within a memory bound, whatever is inside them.

Issue 8 item 4: calamine builds a sheet as one dense block from its first to its last
cell, so a 4.9 KB .xlsx with cells at A1 and XFD1048576 asked for 512 GiB and aborted the
whole process (a server worker with the other requests in it), and a 0.7 MB zip holding
500 MB of XML took 1 GB. Two layers stop that:

1. Before anything is parsed (here, in the process): the zip's members' declared sizes and
   compression ratios, and the first sheet's declared `<dimension>`, against the limits
   below. These give the clear message for the usual bombs at no cost.
2. The parse itself runs in a child process under an address-space and a CPU-time limit
   (RLIMIT_AS, RLIMIT_CPU), which checks the sheet's real extent before converting a cell
   and streams the rows back in batches. Sizes a zip declares can lie and an .xls or .ods
   cannot be measured without parsing it: whatever slips past layer 1 kills only the
   child, and the reader answers with the same kind of message. The web or job process
   never holds more than the rows the limits allow.

Every refusal is a TabularError (an ApplicationError: a 422 in the API, a message on the
import page, a failed job), never a crash.
"""

import io
import pickle
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

from civtrain.core.errors import ApplicationError

# Limits of one uploaded file (issue 8 item 4; docs/importing.md states them to users).
MAX_FILE_BYTES = 50 * 1024 * 1024  # the upload itself
MAX_ROWS = 200_000  # data rows, plus the title and header rows above them
MAX_COLUMNS = 256  # A … IV, as wide as an old .xls sheet
MAX_CELLS = 4_000_000  # rows × columns of the sheet's extent (the dense block calamine builds)
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024  # all members of an .xlsx/.ods, decompressed
MAX_RATIO = 100  # decompressed : compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024  # small members may compress better than that (repeated XML)
# The child's limits: address space (virtual memory, interpreter included) and CPU seconds.
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024
CHILD_CPU_SECONDS = 300
_BATCH_ROWS = 2000
_HEADER_ALLOWANCE = 10  # title rows above the header (tabular._HEADER_SEARCH_ROWS)


class TabularErrorCode:
    UNSUPPORTED = "tabular.unsupported_format"
    UNREADABLE = "tabular.unreadable"
    MISSING_COLUMNS = "tabular.missing_columns"
    EMPTY = "tabular.empty"
    TOO_LARGE = "tabular.too_large"


class TabularError(ApplicationError):
    """The file as a whole cannot be read (wrong format, too large, missing columns)."""

    status = 422


UNREADABLE_MESSAGE = (
    "无法读取该表格文件，请确认它是有效的 Excel/ODS 文件（不是改了扩展名的其他文件）"
)
FIX_HINT = "请删除多余的行和列（或把数据复制到一个新表格中），必要时分成几个文件导入"


def too_large(reason: str) -> TabularError:
    return TabularError(
        TabularErrorCode.TOO_LARGE,
        f"{reason}，超出导入上限（最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列、"
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB）；{FIX_HINT}",
    )


def check_file_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise too_large(f"文件有 {size / (1024 * 1024):.1f} MB")


def check_extent(rows: int, columns: int) -> None:
    """Refuse a sheet whose extent (first to last cell) is beyond the limits."""
    if rows > MAX_ROWS + _HEADER_ALLOWANCE or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        raise too_large(f"表格的使用范围有 {rows} 行 × {columns} 列")


def spreadsheet_rows(data: bytes, *, suffix: str) -> Iterator[tuple[int, list[Any]]]:
    """(Excel row number, cells) of the first sheet, read within the limits above."""
    check_file_size(len(data))
    if suffix in (".xlsx", ".xlsm", ".ods"):
        _check_zip(data, suffix)
    yield from _rows_from_child(data)


# --- layer 1: what the zip declares ---------------------------------------------------------

_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?\""
)
_SMALL_XML = 4 * 1024 * 1024  # workbook.xml and its relations: read whole only below this


def _check_zip(data: bytes, suffix: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TabularError(TabularErrorCode.UNREADABLE, UNREADABLE_MESSAGE) from None
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise TabularError(
                TabularErrorCode.TOO_LARGE,
                f"文件中的“{info.filename}”压缩比异常（{ratio:.0f} 倍，解压后 "
                f"{info.file_size // (1024 * 1024)} MB），可能是恶意构造的文件，已拒绝读取",
            )
    if total > MAX_UNZIPPED_BYTES:
        raise too_large(f"文件解压后有 {total // (1024 * 1024)} MB")
    if suffix != ".ods":
        _check_dimension(archive)


def _check_dimension(archive: zipfile.ZipFile) -> None:
    """The first sheet's declared <dimension ref="A1:XFD1048576"/>, if it has one."""
    path = _first_sheet_path(archive)
    if path is None:
        return  # the child will say whether it can read the file
    try:
        with archive.open(path) as fh:
            head = fh.read(64 * 1024)  # <dimension> comes before <sheetData>
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, RuntimeError):
        return
    match = _DIMENSION.search(head)
    if match is None:
        return
    first_col, first_row, last_col, last_row = match.groups()
    if last_col is None:
        return  # a single cell
    rows = int(last_row) - int(first_row) + 1
    columns = column_number(last_col.decode()) - column_number(first_col.decode()) + 1
    check_extent(rows, columns)


def column_number(letters: str) -> int:
    """A → 1, Z → 26, AA → 27, XFD → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _first_sheet_path(archive: zipfile.ZipFile) -> str | None:
    """The zip path of the workbook's first sheet (the one calamine reads), or None."""
    try:
        workbook = _small_xml(archive, "xl/workbook.xml")
        rels = _small_xml(archive, "xl/_rels/workbook.xml.rels")
        if workbook is None or rels is None:
            return None
        sheet = next((e for e in workbook.iter() if e.tag.endswith("}sheet")), None)
        rel_id = sheet.get(_REL_NS) if sheet is not None else None
        target = next(
            (
                r.get("Target")
                for r in rels.iter()
                if r.tag.endswith("}Relationship") and r.get("Id") == rel_id
            ),
            None,
        )
    except ElementTree.ParseError:
        return None
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _small_xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _SMALL_XML:
        return None
    try:
        # zipfile stops at the declared size, so this reads at most _SMALL_XML bytes; expat
        # refuses entity-expansion bombs (billion laughs) since 2.4.1.
        return ElementTree.fromstring(archive.read(info))  # nosec B314  # noqa: S314
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
        return None


# --- layer 2: the parse, in a child process under limits -------------------------------------

# Runs with `python -I -c`: no Django, no civtrain import, only calamine and the limits.
_CHILD = """
import io, pickle, resource, sys

def limit(kind, value):
    soft, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, hard))

memory, cpu, max_rows, max_columns, max_cells, batch_rows = map(int, sys.argv[1:7])
limit(resource.RLIMIT_AS, memory)
limit(resource.RLIMIT_CPU, cpu)
data = sys.stdin.buffer.read()
out = sys.stdout.buffer
from python_calamine import CalamineWorkbook
try:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
except MemoryError:
    raise
except Exception:
    pickle.dump(("unreadable",), out)
    sys.exit(0)
del data
start = sheet.start
if start is not None:
    # end is the last used cell, 0-based: the block runs from row 1 (iter_rows pads the
    # rows above) to it.
    rows, columns = sheet.end[0] + 1, sheet.end[1] + 1
    if rows > max_rows or columns > max_columns or rows * columns > max_cells:
        pickle.dump(("too_large", rows, columns), out)
        sys.exit(0)
    # iter_rows starts at row 1 but at the first used column: pad back to column A.
    lead = [""] * start[1]
    batch = []
    for cells in sheet.iter_rows():
        batch.append(lead + cells if lead else cells)
        if len(batch) >= batch_rows:
            pickle.dump(("rows", batch), out)
            batch = []
    pickle.dump(("rows", batch), out)
pickle.dump(("end",), out)
out.flush()
"""


def _rows_from_child(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    args = (
        CHILD_MEMORY_BYTES,
        CHILD_CPU_SECONDS,
        MAX_ROWS + _HEADER_ALLOWANCE,
        MAX_COLUMNS,
        MAX_CELLS,
        _BATCH_ROWS,
    )
    child = subprocess.Popen(  # noqa: S603 - this interpreter, our fixed program
        [sys.executable, "-I", "-c", _CHILD, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # a Rust allocation failure prints a backtrace there
    )
    assert child.stdin is not None and child.stdout is not None  # noqa: S101 - PIPEs above
    try:
        try:
            child.stdin.write(data)  # the child reads all of it before writing anything
            child.stdin.close()
        except BrokenPipeError:
            pass  # it died early: its exit status says why, below
        number = 0
        while True:
            try:
                message = pickle.load(child.stdout)  # nosec B301  # noqa: S301 - written by _CHILD
            except (EOFError, pickle.UnpicklingError):
                child.wait()
                raise too_large(
                    "表格的单元格范围过大（可能在很远的行或列有内容），读取时超出了内存或时间上限"
                ) from None
            kind = message[0]
            if kind == "rows":
                for cells in message[1]:
                    number += 1
                    yield number, cells
            elif kind == "end":
                return
            elif kind == "too_large":
                check_extent(message[1], message[2])
                raise too_large("表格过大")  # not reached: the child applied the same limits
            else:
                raise TabularError(TabularErrorCode.UNREADABLE, UNREADABLE_MESSAGE)
    finally:
        # Also when the caller stops early (no header found): never leave the child behind.
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()
