"""Audit entries in sentences (issue #11 item 6): field names and coded values by their labels,
a change as "旧 → 新", in Chinese and in English."""

from django.utils import translation

from civtrain.web.audit_sentences import org_ids_in, sentences


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
    assert list(sentences({"rows": 120, "job": 7}, "export")) == ["行数：120", "job：7"]


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
