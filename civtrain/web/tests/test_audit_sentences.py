"""Audit entries in sentences (issue #11 item 6): field names and coded values by their labels,
a change as "旧 → 新", in Chinese and in English."""

import ast
from pathlib import Path

from django.utils import translation

from civtrain.web.audit_sentences import FIELD_LABELS, org_ids_in, sentences

APPS = Path(__file__).resolve().parents[2]


def test_a_class_status_change_reads_as_a_sentence() -> None:
    assert list(sentences({"status": ["running", "results_final"]}, "training_class")) == [
        "状态：进行中 → 成绩已确认"
    ]


def test_a_created_person_lists_each_field_by_its_label() -> None:
    changes = {
        "name": [None, "王五"],
        "category": [None, "enforcement"],
        "law_enforcement": [None, True],
        "status": [None, "active"],
        "leadership_level": [None, ""],
    }
    assert list(sentences(changes, "person")) == [
        "姓名：王五",
        "人员类别：行政执法类",
        "行政执法：是",
        "状态：在职",
        "职务层次：（空）",
    ]


def test_unknown_fields_and_plain_values_are_shown_as_stored() -> None:
    assert list(sentences({"rows": 120, "legacy_key": 7}, "export")) == [
        "行数：120",
        "legacy_key：7",
    ]


def test_in_english_the_labels_are_english() -> None:
    with translation.override("en"):
        text = list(sentences({"status": ["open", "running"], "law_enforcement": [False, True]},
                              "training_class"))  # fmt: skip
    assert text == ["Status: Open for nomination → In progress", "Law enforcement: No → Yes"]


def test_units_are_named_by_their_labels_not_their_ids() -> None:
    """#11 item 3: a transfer reads "单位：渝中区司法局 · 法规科 → 江北区司法局", not "17 → 23"."""
    changes = {"unit_id": [17, 23], "organiser_id": [None, 5]}
    orgs = {17: "渝中区司法局 · 法规科", 23: "江北区司法局", 5: "重庆市"}
    assert org_ids_in(changes) == {17, 23, 5}
    assert list(sentences(changes, "person", orgs)) == [
        "单位：渝中区司法局 · 法规科 → 江北区司法局",
        "主办单位：重庆市",
    ]


def _written_change_keys() -> dict[str, str]:
    """Every key a `changes={…}` literal of the apps' code writes into an audit row, with
    one place that writes it."""
    found: dict[str, str] = {}
    for path in APPS.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for kw in node.keywords:
                if kw.arg == "changes" and isinstance(kw.value, ast.Dict):
                    for key in kw.value.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            found.setdefault(key.value, f"{path.relative_to(APPS)}:{key.lineno}")
    return found


def test_every_field_an_audit_row_records_has_a_label_in_both_languages() -> None:
    """The audit administrator never reads a stored field name ("passed：8"): each key the
    code writes is labelled, and the label is translated."""
    written = _written_change_keys()
    assert len(written) > 100  # the walk found the apps' audit calls
    unlabelled = {k: where for k, where in written.items() if k not in FIELD_LABELS}
    assert unlabelled == {}
    with translation.override("en"):
        untranslated = [
            k for k in written if translation.gettext(FIELD_LABELS[k]) == FIELD_LABELS[k]
        ]
    assert untranslated == []
