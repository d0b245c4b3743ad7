"""The overnight audit and the reviewers' queue (PR-3): findings, revocation by reversal."""

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core import clock
from civtrain.core.errors import NotFound
from civtrain.credits.api import entry_rows
from civtrain.learning import api, review
from civtrain.learning.errors import LearningError
from civtrain.learning.tests.test_earned_time import Script

pytestmark = pytest.mark.django_db

NIGHT = dt.datetime(2026, 6, 2, 0, 30, tzinfo=clock.TZ)


def night_owl(tree: dict, actors: dict[str, Any]) -> tuple[Any, int]:
    """A learner who 'studies' a three-hour video from 00:30, a beat every 15 s."""
    clock.freeze(NIGHT)
    course = api.course_create(
        actor=actors["city"], title="长视频", org_code="C1", kind="video", hours="3"
    )
    item = api.item_add(
        actor=actors["city"],
        course_id=course.id,
        kind="video",
        title="长视频",
        ref="l.mp4",
        duration_seconds=3 * 3600,
    )
    person = testing.make_person(tree["U1"], name="夜猫子")
    user = User.objects.get(person__pk=person.id)
    with override_settings(CIVTRAIN_LEARNING_CHECK_MINUTES=(0, 0)):
        Script(user, item.id).play(3 * 3600, 0)
    return person, course.id


def test_a_night_long_session_is_flagged_and_revoked_by_reversal(
    tree: dict, actors: dict[str, Any]
) -> None:
    person, _course = night_owl(tree, actors)
    assert list(entry_rows().filter(person_id=person.id).values_list("hours", flat=True)) == [3]
    assert review.learning_audit(day=NIGHT.date()) == 2  # night-long and unbroken
    assert review.learning_audit(day=NIGHT.date()) == 0  # found once
    queue = list(review.anomaly_queue(actor=actors["district"]))
    assert sorted(a.kind for a in queue) == ["night_long", "regular_beats"]
    night = next(a for a in queue if a.kind == "night_long")
    assert night.detail == "凌晨计时 3.0 小时"
    # another city's bureau does not see it; the same answer as a missing finding
    assert list(review.anomaly_queue(actor=actors["other_city"])) == []
    with pytest.raises(NotFound):
        review.anomaly_revoke(actor=actors["other_city"], anomaly_id=night.pk, reason="x")
    with pytest.raises(LearningError, match="必须填写原因"):
        review.anomaly_revoke(actor=actors["district"], anomaly_id=night.pk, reason=" ")
    assert (
        review.anomaly_revoke(actor=actors["district"], anomaly_id=night.pk, reason="通宵挂机") == 1
    )
    rows = list(entry_rows().filter(person_id=person.id).values_list("hours", "reason"))
    assert sorted(rows) == [(-3, "网络学时核查：通宵挂机"), (3, "")]
    assert [a.kind for a in review.anomaly_queue(actor=actors["district"])] == ["regular_beats"]


@override_settings(CIVTRAIN_LEARNING_SHARED_ADDRESS_MIN=2)
def test_many_accounts_from_one_address_are_flagged(tree: dict, actors: dict[str, Any]) -> None:
    from civtrain.learning import playback

    clock.freeze(dt.datetime(2026, 6, 1, 10, 0, tzinfo=clock.TZ))
    course = api.course_create(actor=actors["city"], title="v", org_code="C1", kind="video")
    item = api.item_add(
        actor=actors["city"],
        course_id=course.id,
        kind="video",
        title="v",
        ref="v.mp4",
        duration_seconds=60,
    )
    for name in ("甲", "乙"):
        person = testing.make_person(tree["U1"], name=name)
        playback.play_start(
            actor=User.objects.get(person__pk=person.id), item_id=item.id, client_ip="10.0.0.8"
        )
    assert review.learning_audit(day=dt.date(2026, 6, 1)) == 2
    details = {a.detail for a in review.anomaly_queue(actor=actors["city"])}
    assert details == {"同一地址 10.0.0.8 当天有 2 个账号学习"}


def test_the_review_page_revokes_with_a_reason(tree: dict, actors: dict[str, Any]) -> None:
    from django.test import Client

    person, _course = night_owl(tree, actors)
    review.learning_audit(day=NIGHT.date())
    client = Client()
    client.force_login(actors["city"])
    page = client.get("/learning/review/").content.decode()
    assert "夜猫子" in page and "通宵学习" in page
    night = next(a for a in review.anomaly_queue(actor=actors["city"]) if a.kind == "night_long")
    client.post("/learning/review/", {"anomaly": night.pk, "action": "revoke", "reason": "挂机"})
    assert sorted(entry_rows().filter(person_id=person.id).values_list("hours", flat=True)) == [
        -3,
        3,
    ]
    learner = Client()
    learner.force_login(User.objects.get(person__pk=person.id))
    assert learner.get("/learning/review/").status_code == 404
