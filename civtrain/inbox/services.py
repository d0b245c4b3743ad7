"""Writes to the inbox: messages are written in the sender's transaction, so a reminder
exists exactly when the workflow step that sent it committed."""

from collections.abc import Iterable

from django.db import transaction

from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.inbox.models import Message
from civtrain.people.api import user_ids_of_people

BATCH = 1000


@transaction.atomic
def inbox_send(
    *,
    actor: Actor,
    kind: str,
    subject: str,
    body: str = "",
    url: str = "",
    user_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    dedupe_key: str = "",
) -> int:
    """Queue one message for each recipient: the users named and the accounts of the people
    named (people without an account are skipped). With a dedupe_key a recipient who already
    has a message under that key gets none. Returns how many messages were written.

    The caller has decided that the actor may address these people; this only delivers."""
    subject = subject.strip()
    if not subject:
        raise ValidationFailed("消息标题不能为空")
    if url and not url.startswith("/"):
        raise ValidationFailed("消息链接须为平台内地址")
    recipients = set(user_ids) | set(user_ids_of_people(person_ids))
    if dedupe_key:
        for chunk in _chunks(sorted(recipients)):
            recipients -= set(
                Message.objects.filter(user_id__in=chunk, dedupe_key=dedupe_key).values_list(
                    "user_id", flat=True
                )
            )
    if not recipients:
        return 0
    now = clock.now()
    for chunk in _chunks(sorted(recipients)):
        # ignore_conflicts: a concurrent sender of the same key wins, not an error.
        Message.objects.bulk_create(
            [
                Message(
                    user_id=uid,
                    kind=kind,
                    subject=subject[:200],
                    body=body,
                    url=url,
                    dedupe_key=dedupe_key,
                    created_at=now,
                )
                for uid in chunk
            ],
            ignore_conflicts=bool(dedupe_key),
        )
    audit_record(
        actor=actor,
        action="inbox.send",
        object_type="message",
        object_label=subject,
        changes={"kind": kind, "recipients": len(recipients)},
    )
    return len(recipients)


def message_read(*, actor: Actor, message_id: int) -> Message:
    """Mark the actor's own message read (idempotent); another user's answers as absent."""
    message = Message.objects.filter(pk=message_id, user_id=actor.pk).first()
    if message is None:
        raise NotFound("消息不存在")
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


def inbox_read_all(*, actor: Actor) -> int:
    """Mark every unread message of the actor read; returns how many."""
    return Message.objects.filter(user_id=actor.pk, read_at__isnull=True).update(
        read_at=clock.now()
    )


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]
