"""Question banks: `civtrain import-questions` (whole file or nothing, counts per type) and
who sees which bank (issue #14 item 1)."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.core.errors import NotFound
from civtrain.exams import selectors, services
from civtrain.exams.formats import export_file, parse_file
from civtrain.exams.tests.test_formats import GIFT_BY_HAND, QUESTIONS

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_questions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_counts_per_type(tree: Any, tmp_path: Path) -> None:
    path = tmp_path / "bank.xml"
    path.write_bytes(export_file(QUESTIONS, "moodle-xml")[0])
    out, _err = _run(str(path), "--format", "moodle-xml", "--bank", "公务员法", "--org", "C1")
    assert out.splitlines() == [
        "单选题\t1", "多选题\t1", "判断题\t2", "填空题\t1", "简答题\t1", "合计\t6"
    ]  # fmt: skip
    bank = selectors.banks_named(SYSTEM, "公务员法")[0]
    assert selectors.question_list(actor=SYSTEM, bank_id=bank.pk).count() == 6
    # the bank exists now: a second file goes into it by name alone
    path.write_text(GIFT_BY_HAND, encoding="utf-8")
    out, _err = _run(str(path), "--format", "gift", "--bank", "公务员法")
    assert out.splitlines()[-1] == "合计\t5"


def test_a_file_with_one_bad_question_is_refused_whole(tree: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(
        "第一题\nA. 甲\nB. 乙\nANSWER: A\n\n第二题没有答案\nA. 甲\nB. 乙\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="文件有 1 处问题，未导入任何题目"):
        _run(str(path), "--format", "aiken", "--bank", "新题库", "--org", "C1")
    assert selectors.banks_named(SYSTEM, "新题库") == []  # not even the bank was created


def test_bank_is_shared_down_its_subtree_and_changed_only_from_above(
    tree: Any, actors: dict[str, Any]
) -> None:
    bank = services.bank_create(actor=actors["city"], name="市级题库", org_id=tree["C1"].id)
    unit_bank = services.bank_create(actor=actors["unit_hr"], name="单位题库", org_id=tree["U1"].id)
    seen = {b.name for b in selectors.bank_list(actor=actors["unit_hr"])}
    assert seen == {"市级题库", "单位题库"}  # the city's bank is shared down to the unit
    assert {b.name for b in selectors.bank_list(actor=actors["city"])} == {"市级题库", "单位题库"}
    assert list(selectors.bank_list(actor=actors["other_city"])) == []
    parsed = parse_file(GIFT_BY_HAND.encode(), "gift")
    with pytest.raises(NotFound):  # the unit uses the city's bank but cannot change it
        services.questions_import(actor=actors["unit_hr"], bank_id=bank.pk, parsed=parsed)
    with pytest.raises(NotFound):  # another city: as if it did not exist
        selectors.access_bank_by_id(actors["other_city"], unit_bank.pk)
    counts = services.questions_import(actor=actors["unit_hr"], bank_id=unit_bank.pk, parsed=parsed)
    assert sum(counts.values()) == 5
