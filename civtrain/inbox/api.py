"""Public interface of the inbox: other apps send reminders and notices with inbox_send."""

from civtrain.inbox import selectors, services
from civtrain.inbox.data import MessageData
from civtrain.inbox.models import Message

__all__ = ["MessageData", "inbox_send", "messages_for", "unread_count"]

inbox_send = services.inbox_send
unread_count = selectors.unread_count


def to_data(m: Message) -> MessageData:
    return MessageData(
        id=m.pk,
        kind=m.kind,
        subject=m.subject,
        body=m.body,
        url=m.url,
        created_at=m.created_at,
        read_at=m.read_at,
    )


def messages_for(user_id: int, *, kind: str = "") -> list[MessageData]:
    """A user's messages, newest first (for other apps' tests and pages), optionally of one kind."""
    qs = Message.objects.filter(user_id=user_id)
    return [to_data(m) for m in (qs.filter(kind=kind) if kind else qs)]
