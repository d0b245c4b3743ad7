"""Reading SCORM 1.2 and 2004 CMI data (pure): done, score, what is kept, what a launch loads."""

from decimal import Decimal

import pytest

from civtrain.scorm import runtime
from civtrain.scorm.data import ScormVersion

S12, S2004 = ScormVersion.SCORM12, ScormVersion.SCORM2004


@pytest.mark.parametrize(
    ("status", "done"),
    [
        ("passed", True),
        ("completed", True),
        ("failed", False),
        ("incomplete", False),
        ("browsed", False),
        ("not attempted", False),
    ],
)
def test_scorm12_lesson_status(status: str, done: bool) -> None:
    assert runtime.state_of(S12, {"cmi.core.lesson_status": status}).done is done


@pytest.mark.parametrize(
    ("completion", "success", "done"),
    [
        ("completed", "unknown", True),
        ("completed", "passed", True),
        ("completed", "failed", False),
        ("incomplete", "passed", True),
        ("incomplete", "unknown", False),
        ("unknown", "unknown", False),
    ],
)
def test_scorm2004_completion_and_success(completion: str, success: str, done: bool) -> None:
    cmi = {"cmi.completion_status": completion, "cmi.success_status": success}
    assert runtime.state_of(S2004, cmi).done is done


def test_scores_as_percent() -> None:
    assert runtime.state_of(
        S12, {"cmi.core.score.raw": "45", "cmi.core.score.max": "50"}
    ).score == Decimal("90.00")
    assert runtime.state_of(
        S2004, {"cmi.score.scaled": "0.875", "cmi.score.raw": "3"}
    ).score == Decimal("87.50")
    assert runtime.state_of(S2004, {"cmi.score.raw": "abc"}).score is None
    assert runtime.state_of(S12, {}).score is None


def test_cleaned_keeps_cmi_strings_and_refuses_what_is_not_cmi_data() -> None:
    assert runtime.cleaned(
        {"cmi.core.lesson_location": "3", "commitSequence": 4, "cmi.core.score.raw": 90}
    ) == {
        "cmi.core.lesson_location": "3",
        "cmi.core.score.raw": "90",
    }
    nested = {"cmi.objectives": {"0": {"id": "q1", "score": {"raw": 5}}}, "cmi.interactions": {}}
    assert runtime.cleaned(nested) == {
        "cmi.objectives.0.id": "q1",
        "cmi.objectives.0.score.raw": "5",
    }
    assert runtime.cleaned(["cmi.location"]) is None
    assert runtime.cleaned({"cmi.suspend_data": "x" * 64_001}) is None
    assert runtime.cleaned({"cmi.location": "<script>", "cmi.Bad Key!": "1"}) is None


def test_a_launch_resumes_kept_values_and_sets_what_only_the_platform_may() -> None:
    committed = {
        "cmi.location": "3",
        "cmi.suspend_data": "pages=3",
        "cmi.session_time": "PT99H",  # the SCO's claim: not kept
        "cmi.exit": "suspend",
        "cmi.completion_status": "incomplete",
    }
    kept = runtime.kept_for_resume(S2004, committed)
    assert kept == {
        "cmi.location": "3",
        "cmi.suspend_data": "pages=3",
        "cmi.completion_status": "incomplete",
    }
    data = runtime.launch_data(
        S2004, kept=kept, last_exit="suspend", learner_id="7", learner_name="张三", seconds=125
    )
    assert data["cmi.entry"] == "resume"
    assert data["cmi.total_time"] == "PT125S"
    assert (data["cmi.learner_id"], data["cmi.learner_name"]) == ("7", "张三")
    first = runtime.launch_data(
        S12, kept={}, last_exit="", learner_id="7", learner_name="张三", seconds=0
    )
    assert first["cmi.core.entry"] == "ab-initio"
    assert first["cmi.core.total_time"] == "0000:00:00"
    after_normal_exit = runtime.launch_data(
        S12,
        kept={"cmi.core.lesson_status": "passed"},
        last_exit="",
        learner_id="7",
        learner_name="张三",
        seconds=3725,
    )
    assert after_normal_exit["cmi.core.entry"] == ""
    assert after_normal_exit["cmi.core.total_time"] == "0001:02:05"
