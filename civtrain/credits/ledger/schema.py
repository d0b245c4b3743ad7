"""The machinery behind the ledger entry's field schema (issue #9 item 3, ADR 0007).

A `Schema` is one version of the list of hashed entry fields, each a stored column of
`credits_ledgerentry` with a `Kind`. Everything that used to spell the list out is generated
from it: the canonical JSON an entry's hash covers (in Python, and its twin in PostgreSQL's
SQL that verification runs), the columns a writer inserts and the positions verification
reads them from. Versions themselves are declared in `versions.py`.

The canonical JSON: sorted keys, no spaces, UTF-8, strings escaped as Python's json encoder
does with ensure_ascii=False, money as fixed two-place strings, dates in ISO form, the
recorded time in UTC with microseconds, the subject hours as sorted [code, hours] pairs and,
from version 2 on, "version": N. Version 1 predates the key, so its bytes are those of every
chain written before versions existed.
"""

import datetime as dt
import json
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from django.db import connection

_encode_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses
_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_REQUIRED: Any = object()


def money(value: Any) -> str | None:
    """Fixed two-place text; floats and ints (SQLite raw reads) format like Decimals."""
    return None if value is None else f"{value:.2f}"


def iso_date(value: dt.date | str | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def iso_moment(value: dt.datetime | str) -> str:
    """UTC with microseconds; a string is a raw SQLite read (naive UTC text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- kinds: how one value is written in the canonical JSON, in Python and in SQL ----------


def _json_text(value: str | None) -> str:
    return "null" if value is None else _encode_str(value)


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _json_money(value: Any) -> str:
    return "null" if value is None else f'"{value:.2f}"'


def _json_date(value: dt.date | str | None) -> str:
    if value is None:
        return "null"
    return '"' + (value if isinstance(value, str) else value.isoformat()) + '"'


_last_moment: tuple[Any, str] = (None, "")


def _json_moment(value: dt.datetime | str | None) -> str:
    # A bulk write stamps every entry of a batch with one datetime: format it once.
    global _last_moment
    last = _last_moment
    if value is last[0]:
        return last[1]
    text = "null" if value is None else f'"{iso_moment(value)}"'
    _last_moment = (value, text)
    return text


@lru_cache(maxsize=1)  # one datetime per batch
def _sqlite_moment(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


@dataclass(frozen=True)
class Kind:
    """How a value of one column type appears in the canonical JSON.

    `python` formats a value (as the ORM or a writer holds it, or as SQLite returns it raw)
    into its JSON text; `plain` gives the JSON value the generic encoder formats (the
    definition `python` must match); `sql` is PostgreSQL's expression for the same text,
    `{c}` standing for the column, inside double quotes when `quoted`; `sqlite` adapts a
    writer's value for SQLite's driver. `inline`, when set, is what the generated Python
    form writes for a value (VALUE) that cannot be null, instead of calling `python` (the
    bulk writer's hot path: a call per field was a third of its time)."""

    name: str
    python: Callable[[Any], str]
    plain: Callable[[Any], Any]
    sql: str
    quoted: bool = False
    sqlite: Callable[[Any], Any] | None = None
    inline: str | None = None


INT = Kind("int", _json_int, lambda v: None if v is None else int(v), "{c}::text", inline="{VALUE}")
TEXT = Kind(
    "text", _json_text, lambda v: v, "to_json({c}::text)::text", inline="{_encode_str(VALUE)}"
)
# to_char, not ::text: the text form of a date follows the session's DateStyle. In Python
# str() of a date is its ISO form, and a raw SQLite read is that text already.
DATE = Kind("date", _json_date, iso_date, "to_char({c}, 'YYYY-MM-DD')", True, iso_date, '"{VALUE}"')
# numeric(·, 2)::text is the fixed two-place form: MONEY columns have two decimal places.
MONEY = Kind(
    "money",
    _json_money,
    money,
    "{c}::text",
    True,
    lambda v: None if v is None else str(v),
    '"{VALUE:.2f}"',
)
MOMENT = Kind(
    "moment",
    _json_moment,
    lambda v: None if v is None else iso_moment(v),
    "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    True,
    _sqlite_moment,
)


class _Literal(str):
    """A piece of SQL text that is a string constant (merged with its neighbours)."""


@dataclass(frozen=True)
class Field:
    """One hashed column. `default` is what a writer stores while its input does not carry
    the field yet (a field added in a later version); without one the writer must."""

    name: str
    kind: Kind
    null: bool = False
    default: Any = _REQUIRED

    def sql(self, alias: str) -> list[str]:
        """PostgreSQL's pieces of this field's JSON text: constants and expressions."""
        expression = self.kind.sql.replace("{c}", f"{alias}.{self.name}")
        if self.null:
            if self.kind.quoted:
                expression = f"""'"' || {expression} || '"'"""
            return [f"coalesce({expression}, 'null')"]
        if self.kind.quoted:
            return [_Literal('"'), expression, _Literal('"')]
        return [expression]


# --- a schema version ------------------------------------------------------------------------


@dataclass(frozen=True)
class Schema:
    """One version of the hashed entry fields, in the order writers insert them."""

    version: int
    fields: tuple[Field, ...]
    index: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        bad = [n for n in names if not _NAME.fullmatch(n) or n in ("subjects", "version")]
        if bad or len(set(names)) != len(names) or len(names) < 2:
            raise ValueError(f"schema {self.version}: bad or repeated field names {bad or names}")
        object.__setattr__(self, "index", {n: i for i, n in enumerate(names)})

    @property
    def columns(self) -> tuple[str, ...]:
        """The hashed columns, in the writer's (and `values`') order."""
        return tuple(f.name for f in self.fields)

    @property
    def tagged(self) -> bool:
        """Whether the canonical JSON names its version (every version after the first)."""
        return self.version > 1

    def _keys(self) -> list[tuple[str, int | None]]:
        """The JSON keys in sorted order, each with its field's position (None: subjects or
        version)."""
        keys: list[tuple[str, int | None]] = [(f.name, i) for i, f in enumerate(self.fields)]
        keys.append(("subjects", None))
        if self.tagged:
            keys.append(("version", None))
        return sorted(keys)

    @cached_property
    def values(self) -> Callable[[Any], tuple]:
        """values(obj): the field values of an object holding them as attributes (a writer's
        prepared entry, a LedgerEntry), in column order; defaults for those it lacks."""
        if all(f.default is _REQUIRED for f in self.fields):
            return operator.attrgetter(*self.columns)  # type: ignore[return-value]
        pairs = [(f.name, f.default) for f in self.fields]
        return lambda obj: tuple(
            getattr(obj, n) if d is _REQUIRED else getattr(obj, n, d) for n, d in pairs
        )

    @cached_property
    def content(self) -> Callable[[Sequence[Any], Iterable[tuple[str, Any]]], bytes]:
        """content(values, subjects): the bytes an entry's hash covers.

        Generated as one f-string, as dataclasses and namedtuple generate their methods:
        a bulk write and a verification on SQLite run it once per entry, and a loop over
        the fields cost a quarter more (measured, issue #9 item 3)."""
        parts = []
        namespace: dict[str, Any] = {"_subjects": _json_subjects, "_encode_str": _encode_str}
        for name, position in self._keys():
            if name == "subjects":
                parts.append('"subjects":{_subjects(subjects)}')
            elif name == "version":
                parts.append(f'"version":{self.version}')
            else:
                assert position is not None  # noqa: S101 - every other key is a field
                kind = self.fields[position].kind
                value = f"v[{position}]"
                if kind.inline is not None and not self.fields[position].null:
                    parts.append(f'"{name}":' + kind.inline.replace("VALUE", value))
                else:
                    namespace[f"_f{position}"] = kind.python
                    parts.append(f'"{name}":{{_f{position}({value})}}')
        body = ",".join(parts)
        source = f"def content(v, subjects):\n    return f'{{{{{body}}}}}'.encode()\n"
        exec(source, namespace)  # nosec B102  # noqa: S102 - built from validated field names only
        return namespace["content"]  # type: ignore[no-any-return]

    def reference(self, values: Sequence[Any], subjects: Iterable[tuple[str, Any]]) -> bytes:
        """The definition `content` must match: the generic JSON encoder over a dict."""
        doc: dict[str, Any] = {
            f.name: f.kind.plain(v) for f, v in zip(self.fields, values, strict=True)
        }
        doc["subjects"] = sorted((code, money(h)) for code, h in subjects)
        if self.tagged:
            doc["version"] = self.version
        return _dumps(doc).encode()

    def sql_content(self, alias: str = "e", subjects: str = "s.subjects") -> str:
        """PostgreSQL's expression for `content`, over entry columns `alias`.* and the
        subject pairs already joined as JSON text (`subjects`, NULL when there are none):
        to_json() escapes strings exactly as Python's encoder with ensure_ascii=False."""
        pieces: list[str] = []
        for name, position in self._keys():
            pieces.append(_Literal(("," if pieces else "{") + f'"{name}":'))
            if name == "subjects":
                pieces += [_Literal("["), f"coalesce({subjects}, '')", _Literal("]")]
            elif name == "version":
                pieces.append(_Literal(str(self.version)))
            else:
                assert position is not None  # noqa: S101
                pieces += self.fields[position].sql(alias)
        pieces.append(_Literal("}"))
        # Adjacent constants as one: each || is a copy per entry in verification's scan.
        merged: list[str] = []
        for piece in pieces:
            if merged and isinstance(piece, _Literal) and isinstance(merged[-1], _Literal):
                merged[-1] = _Literal(merged[-1] + piece)
            else:
                merged.append(piece)
        sql = ["'" + p.replace("'", "''") + "'" if isinstance(p, _Literal) else p for p in merged]
        return "(" + "\n || ".join(sql) + ")"

    def sqlite_adapters(self, offset: int) -> list[tuple[int, Callable[[Any], Any]]]:
        """(position in a write row, adapter) for the columns SQLite's driver cannot take
        as a writer holds them; the write row has `offset` columns before the fields."""
        return [(offset + i, f.kind.sqlite) for i, f in enumerate(self.fields) if f.kind.sqlite]


def _json_subjects(subjects: Iterable[tuple[str, Any]]) -> str:
    if not subjects:
        return "[]"
    return (
        "["
        + ",".join(f"[{_encode_str(code)},{_json_money(h)}]" for code, h in sorted(subjects))
        + "]"
    )


# The JSON text of one entry's subject pairs in PostgreSQL (an aggregate over its subject
# rows), sorted by code in byte order like sorted(): COLLATE "C" is code-point order.
SQL_SUBJECT_PAIRS = (
    "string_agg('[' || to_json(subject::text)::text || ',\"' || hours::text || '\"]', ','"
    ' ORDER BY subject COLLATE "C")'
)
