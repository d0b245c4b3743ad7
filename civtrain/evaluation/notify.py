"""What class evaluation tells trainees through the personal inbox (opened, reminders)."""

import datetime as dt
from collections.abc import Sequence

from django.urls import reverse

from civtrain.accounts.api import SYSTEM
from civtrain.inbox.api import inbox_send

KIND = "evaluation"


def evaluation_opened(evaluation_id: int, class_title: str, person_ids: Sequence[int]) -> int:
    """Each trainee is asked to evaluate the class they finished (sent after commit)."""
    return inbox_send(
        actor=SYSTEM,
        kind=KIND,
        subject=f"请评估培训班：{class_title}",
        body="培训班已结业，请在评估期内匿名填写培训班评估表（凡训必评）。",
        url=reverse("evaluation:answer", args=[evaluation_id]),
        person_ids=person_ids,
        dedupe_key=f"evaluation-open-{evaluation_id}",
    )


def evaluation_reminder(evaluation_id: int, person_ids: Sequence[int], day: dt.date) -> int:
    """A day's reminder to those who have not answered; at most one per person per day."""
    return inbox_send(
        actor=SYSTEM,
        kind=KIND,
        subject="提醒：您还有培训班评估未填写",
        body="评估匿名进行，所填内容与您的姓名分开保存。",
        url=reverse("evaluation:answer", args=[evaluation_id]),
        person_ids=person_ids,
        dedupe_key=f"evaluation-remind-{evaluation_id}-{day:%Y%m%d}",
    )
