"""The interface in both languages (issue #11 item 6, last must-show bullet): the English pages'
own text has no Chinese left in it, and the Chinese interface strings no untranslated English.

Static and fast: the templates are read with Django's template lexer, the Python code with
``ast``, the English catalogue as text (and compiled with ``msgfmt --check``). Data shown on the
pages (names of people, units, classes) is not the interface and is not checked here.

Rules these tests hold the interface to:
- Chinese is the source language (msgids are Chinese); any CJK ideograph in a template outside
  ``{% translate %}``/``{% blocktranslate %}`` is interface text an English reader would see
  untranslated. Full-width punctuation alone (（）：；，。) is tolerated in template text: without
  an ideograph next to it, it is layout, not words — but a string with ideographs carries its
  punctuation into the translated string.
- Every string marked for translation in templates and code has an English entry, non-empty,
  not fuzzy, without CJK ideographs — except inside “curly quotes”: a literal the user must type
  as it is, such as the Chinese column headers the imports read (“身份证号” (ID number)).
- Chinese interface strings (the msgids) contain no English words except acronyms and product
  names in ``ALLOWED_ENGLISH``.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType
from django.utils.translation.template import templatize

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGUE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
QUOTED_LITERAL = re.compile(r"“[^”]*”")

ALLOWED_ENGLISH = {
    # Acronyms, formats and product names a Chinese civil servant reads as they are.
    "API", "CSV", "Excel", "xlsx", "ID", "QR", "PDF", "ECharts", "URL", "JSON", "HR", "IP",
    "PostgreSQL", "SQLite", "Django", "OpenAPI", "UTF", "Playwright", "HTTP", "HTTPS", "PWA",
    "TOTP", "OK", "Token", "token", "MB", "Word", "xAPI",
    "csv", "xls", "ods", "ics",  # file extensions, as in ".xlsx、.xls、.ods 或 .csv"
    "GIFT", "Moodle", "XML", "Aiken",  # the question-file formats (issue #14)
    "SCORM", "zip", "imsmanifest", "xml",  # the courseware standard, its package and manifest
    "PowerPoint", "WPS", "OpenDocument", "PNG", "JPEG",  # teaching materials' file types (#16)
}  # fmt: skip


def template_files() -> list[Path]:
    return sorted(p for p in PACKAGE.glob("**/templates/**/*.html") if ".venv" not in p.parts)


def python_files() -> list[Path]:
    return sorted(
        p for p in PACKAGE.glob("**/*.py") if "tests" not in p.parts and "migrations" not in p.parts
    )


def untranslated_template_text(source: str) -> list[str]:
    """The template's own text outside translate tags, comments and blocktranslate blocks."""
    found: list[str] = []
    depth = {"blocktranslate": 0, "comment": 0}
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.COMMENT:
            continue
        word = token.contents.split()[0] if token.contents.split() else ""
        if token.token_type == TokenType.BLOCK:
            if word in ("blocktranslate", "blocktrans"):
                depth["blocktranslate"] += 1
                continue
            if word in ("endblocktranslate", "endblocktrans"):
                depth["blocktranslate"] -= 1
                continue
            if word == "comment":
                depth["comment"] += 1
            elif word == "endcomment":
                depth["comment"] -= 1
            if word in ("translate", "trans", "plural"):
                # The literal is translated; only its "as"/"context" parts are not text.
                continue
        if depth["blocktranslate"] or depth["comment"]:
            continue
        if CJK.search(token.contents):
            found.append(f"line {token.lineno}: {token.contents.strip()[:80]}")
    return found


def test_templates_have_no_chinese_outside_translate_tags() -> None:
    problems = {
        str(path.relative_to(PACKAGE)): lines
        for path in template_files()
        if (lines := untranslated_template_text(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    fuzzy: bool = False
    context: str | None = None
    line: int = 0


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read_catalogue(path: Path = CATALOGUE) -> list[Entry]:
    """The active entries of a .po file (obsolete ``#~`` entries left out), header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    fuzzy = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert current is not None and target is not None, f"line {number}: stray string"
            _append(current, target, _unquote(line))
            continue
        if keyword in ("msgctxt", "msgid") and (current is None or current.msgstrs):
            current = Entry(fuzzy=fuzzy, line=number)
            entries.append(current)
            fuzzy = False
        assert current is not None, f"line {number}: {keyword} before msgid"
        if keyword == "msgctxt":
            current.context, target = "", ("context", 0)
        elif keyword == "msgid":
            target = ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = "", ("msgid_plural", 0)
        elif keyword == "msgstr":
            current.msgstrs.append("")
            target = ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            current.msgstrs.append("")
            target = ("msgstr", len(current.msgstrs) - 1)
        else:
            raise AssertionError(f"line {number}: unknown keyword {keyword!r}")
        _append(current, target, _unquote(rest))
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstrs[index] += text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


def catalogue_entries() -> list[Entry]:
    return [entry for entry in read_catalogue() if entry.msgid]


def test_english_catalogue_compiles_with_msgfmt_check(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is needed to compile the catalogue"
    result = subprocess.run(  # noqa: S603 — fixed arguments, no user input
        [msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_english_catalogue_has_no_duplicate_and_no_fuzzy_entry() -> None:
    keys = Counter((entry.context, entry.msgid) for entry in catalogue_entries())
    assert [key for key, count in keys.items() if count > 1] == []
    assert [entry.msgid for entry in catalogue_entries() if entry.fuzzy] == []


def test_every_english_translation_is_there_and_has_no_chinese() -> None:
    missing = [entry.msgid for entry in catalogue_entries() if not all(entry.msgstrs)]
    chinese = [
        s
        for entry in catalogue_entries()
        for s in entry.msgstrs
        if CJK.search(QUOTED_LITERAL.sub("", s))
    ]
    assert missing == []
    assert chinese == []


GETTEXT_CALL = re.compile(
    r"\b(?P<fn>gettext|pgettext|ngettext|npgettext)\((?P<args>u?'(?:[^'\\]|\\.)*'(?:\s*,\s*u?'(?:[^'\\]|\\.)*')*)"
)
CONTEXT_FUNCTIONS = {"pgettext", "npgettext", "pgettext_lazy", "npgettext_lazy"}
PYTHON_FUNCTIONS = {
    "_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
    "npgettext", "npgettext_lazy", "gettext_noop",
}  # fmt: skip


def template_messages(source: str) -> set[tuple[str | None, str]]:
    """Marked strings of a template, as makemessages sees them (via Django's templatize)."""
    found = set()
    for match in GETTEXT_CALL.finditer(templatize(source)):
        args = [_unquote(a) for a in re.findall(r"'(?:[^'\\]|\\.)*'", match["args"])]
        context = args.pop(0) if match["fn"] in CONTEXT_FUNCTIONS else None
        found.add((context, args[0]))
    return found


def python_messages(source: str) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in PYTHON_FUNCTIONS:
            continue
        wanted = 2 if name in CONTEXT_FUNCTIONS else 1
        args = [
            a.value
            for a in node.args[:wanted]
            if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if len(args) == wanted:
            found.add((args[0] if wanted == 2 else None, args[-1]))
    return found


def marked_messages() -> dict[tuple[str | None, str], str]:
    found: dict[tuple[str | None, str], str] = {}
    for path in template_files():
        for key in template_messages(path.read_text(encoding="utf-8")):
            found.setdefault(key, str(path.relative_to(PACKAGE)))
    for path in python_files():
        for key in python_messages(path.read_text(encoding="utf-8")):
            found.setdefault(key, str(path.relative_to(PACKAGE)))
    return found


def test_every_marked_string_is_in_the_english_catalogue() -> None:
    known = {(entry.context, entry.msgid) for entry in catalogue_entries()}
    missing = {
        f"{where}: {msgid}"
        for (context, msgid), where in marked_messages().items()
        if (context, msgid) not in known
    }
    assert sorted(missing) == []


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|<[^>]+>|&\w+;")
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")


def english_words(msgid: str) -> set[str]:
    return set(ENGLISH_WORD.findall(PLACEHOLDER.sub(" ", msgid))) - ALLOWED_ENGLISH


def test_chinese_interface_strings_have_no_untranslated_english() -> None:
    english = {
        entry.msgid: sorted(words)
        for entry in catalogue_entries()
        if (words := english_words(entry.msgid))
    }
    assert english == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>{% translate '姓名' %}</p>", []),
        ("{% blocktranslate %}共 {{ n }} 人{% endblocktranslate %}", []),
        ("{# 注释 #}{% comment %}说明{% endcomment %}", []),
        ("<p>（{{ n }}）</p>", []),
        ("<p>姓名</p>", ["line 1: <p>姓名</p>"]),
        ("{{ value|default:'无' }}", ["line 1: value|default:'无'"]),
    ],
)
def test_the_template_check_finds_chinese_only_outside_translations(
    source: str, expected: list[str]
) -> None:
    assert untranslated_template_text(source) == expected


def test_the_english_word_check_ignores_placeholders_and_markup() -> None:
    assert english_words('共 %(count)s 人，<a href="%(url)s">导出 Excel</a>') == set()
    assert english_words("请运行 civtrain demo-data") == {"civtrain", "demo-data"}


def test_the_extraction_reads_templates_as_makemessages_does() -> None:
    source = (
        '{% load i18n %}{% translate "姓名" %}{% translate "导出" context "按钮" %}'
        "{% blocktranslate trimmed with n=total %}\n  共 {{ n }} 人\n{% endblocktranslate %}"
    )
    assert template_messages(source) == {(None, "姓名"), ("按钮", "导出"), (None, "共 %(n)s 人")}
    assert python_messages('_("已保存")\npgettext_lazy("按钮", "导出")\n_(name)') == {
        (None, "已保存"),
        ("按钮", "导出"),
    }
