"""The class edit form keeps its dates in every language (#11 item 4).

A date input takes ISO dates (2026-03-02) whatever the page's language; rendered in the
Chinese input format (2026/03/02) the browser shows an empty field, and saving the form
then fails or loses both dates."""

import re
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.classes.api import access_class

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str) -> Client:
    client = Client()
    client.force_login(user)
    if language != "zh-hans":
        assert client.post("/i18n/setlang/", {"language": language}).status_code == 302
    return client


def _date_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="date" name="(\w+)" value="([^"]*)"', html))


def _form_values(html: str) -> dict[str, str]:
    """What a browser would send back: every input's value, each select's chosen option."""
    inputs = r'<input type="(?:text|number|date)" name="(\w+)" value="([^"]*)"'
    values = dict(re.findall(inputs, html))
    for name, body in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        values[name] = chosen.group(1) if chosen else ""
    return values


@pytest.mark.parametrize(
    ("language", "saved"), [("zh-hans", "培训班已保存"), ("en", "Class saved")]
)
def test_edit_form_shows_and_keeps_both_dates(
    tree: dict, actors: dict[str, Any], language: str, saved: str
) -> None:
    city = actors["city"]
    tc = testing.make_class(city, tree["C1"], testing.make_institution(tree["C1"]).id)
    client = _client(city, language)

    html = client.get(f"/classes/{tc.id}/edit/").content.decode()
    assert f'<html lang="{language}">' in html
    assert _date_values(html) == {"start_date": "2026-03-02", "end_date": "2026-03-06"}

    # Saving the form as the browser sends it back changes nothing but the title.
    values = {**_form_values(html), "title": "改名后的初任培训班"}
    response = client.post(f"/classes/{tc.id}/edit/", values, follow=True)
    assert saved in response.content.decode()
    after = access_class(city, tc.id)
    assert (after.title, after.start_date.isoformat(), after.end_date.isoformat()) == (
        "改名后的初任培训班",
        "2026-03-02",
        "2026-03-06",
    )
