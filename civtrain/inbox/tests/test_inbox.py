"""The personal inbox: reminders reach people's accounts once, and only their owner reads them."""

from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM, User
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.inbox.api import inbox_send, messages_for, unread_count
from civtrain.inbox.services import message_read

pytestmark = pytest.mark.django_db


def _user_of(person: Any) -> User:
    return User.objects.get(pk=person.user_id)


def test_people_and_users_each_get_one_message(tree: dict, actors: dict[str, Any]) -> None:
    a = testing.make_person(tree["U1"], "甲")
    b = testing.make_person(tree["U1"], "乙")
    sent = inbox_send(
        actor=SYSTEM,
        kind="test.reminder",
        subject="请完成年度网络学习",
        person_ids=[a.id, b.id, a.id],
        user_ids=[a.user_id, actors["unit_hr"].pk],
    )
    assert sent == 3  # a (named twice, once as a user), b and the HR officer
    assert [m.subject for m in messages_for(_user_of(a).pk)] == ["请完成年度网络学习"]
    assert unread_count(actors["unit_hr"]) == 1


def test_a_dedupe_key_sends_a_reminder_once(tree: dict) -> None:
    a = testing.make_person(tree["U1"], "甲")
    first = inbox_send(
        actor=SYSTEM, kind="test", subject="半年通报", person_ids=[a.id], dedupe_key="2026H1"
    )
    again = inbox_send(
        actor=SYSTEM, kind="test", subject="半年通报", person_ids=[a.id], dedupe_key="2026H1"
    )
    other = inbox_send(
        actor=SYSTEM, kind="test", subject="半年通报", person_ids=[a.id], dedupe_key="2026H2"
    )
    assert (first, again, other) == (1, 0, 1)
    assert len(messages_for(a.user_id)) == 2


def test_bad_messages_are_refused(tree: dict) -> None:
    a = testing.make_person(tree["U1"], "甲")
    with pytest.raises(ValidationFailed, match="标题不能为空"):
        inbox_send(actor=SYSTEM, kind="test", subject="  ", person_ids=[a.id])
    with pytest.raises(ValidationFailed, match="平台内地址"):
        inbox_send(
            actor=SYSTEM, kind="test", subject="x", url="https://evil.example/", person_ids=[a.id]
        )
    assert messages_for(a.user_id) == []


def test_only_the_owner_opens_a_message(tree: dict, actors: dict[str, Any]) -> None:
    a = testing.make_person(tree["U1"], "甲")
    inbox_send(
        actor=SYSTEM, kind="test", subject="去学习", url="/compliance/me/", person_ids=[a.id]
    )
    [message] = messages_for(a.user_id)
    with pytest.raises(NotFound):
        message_read(actor=actors["unit_hr"], message_id=message.id)
    learner = Client()
    learner.force_login(_user_of(a))
    page = learner.get("/inbox/").content.decode()
    assert "去学习" in page and "未读" in page
    response = learner.post(f"/inbox/{message.id}/open/")
    assert response.status_code == 302 and response["Location"] == "/compliance/me/"
    assert unread_count(_user_of(a)) == 0
    other = Client()
    other.force_login(actors["unit_hr"])
    assert other.post(f"/inbox/{message.id}/open/").status_code == 404
    assert "去学习" not in other.get("/inbox/").content.decode()


def test_the_menu_shows_the_unread_count(tree: dict) -> None:
    a = testing.make_person(tree["U1"], "甲")
    for n in range(3):
        inbox_send(actor=SYSTEM, kind="test", subject=f"消息{n}", person_ids=[a.id])
    client = Client()
    client.force_login(_user_of(a))
    page = client.get("/inbox/").content.decode()
    assert 'title="未读">3</span>' in page
    client.post("/inbox/read-all/")
    assert 'title="未读">' not in client.get("/inbox/").content.decode()
