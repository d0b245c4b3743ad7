"""Reads of the inbox: a user sees only their own messages."""

from django.db.models import QuerySet

from civtrain.core.actors import Actor
from civtrain.inbox.models import Message


def messages_of(actor: Actor, *, unread_only: bool = False) -> QuerySet[Message]:
    qs = Message.objects.filter(user_id=actor.pk)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(actor: Actor) -> int:
    if not actor.is_authenticated:
        return 0
    return Message.objects.filter(user_id=actor.pk, read_at__isnull=True).count()
