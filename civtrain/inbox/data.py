"""What other apps and the pages see of a message."""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class MessageData:
    id: int
    kind: str
    subject: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None
