"""Control characters are refused at the edge of every page form and API call (issue 8
item 6); a formula is not a person's name (item 5)."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civtrain.testing import ApiCaller, make_id_number

ID = make_id_number(dt.date(1990, 5, 17), serial=411)
REASON = "含有不可见的控制字符（如 NUL），请删除后重新输入"


def names(actors: dict[str, Any]) -> list[str]:
    status, body = ApiCaller(actors["city"])("GET", "/people")
    assert status == 200
    return [p["name"] for p in body["items"]]


def person_payload(tree: Any, name: str) -> dict[str, Any]:
    return {"name": name, "id_number": ID, "gender": "M", "unit_id": tree["U1"].id}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["李\x00四", "李\x1b四", "李四\x7f", "李\x85四"])
def test_the_api_refuses_a_control_character_in_a_json_field(
    tree: Any, actors: dict[str, Any], name: str
) -> None:
    status, body = ApiCaller(actors["unit_hr"])("POST", "/people", person_payload(tree, name))
    assert status == 422
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["details"]["fields"] == [
        {"field": "name", "message": REASON, "type": "control_characters"}
    ]
    assert "“name”" in body["error"]["message"]
    assert names(actors) == []


@pytest.mark.django_db
def test_the_api_refuses_a_nul_in_a_query_parameter(actors: dict[str, Any]) -> None:
    # On PostgreSQL this was a server error (a NUL cannot be a query parameter there).
    status, body = ApiCaller(actors["unit_hr"])("GET", "/people?rank=%00")
    assert status == 422
    assert body["error"]["details"]["fields"] == [
        {"field": "rank", "message": REASON, "type": "control_characters"}
    ]


@pytest.mark.django_db
def test_tabs_and_newlines_are_not_control_characters_here(
    tree: Any, actors: dict[str, Any]
) -> None:
    status, body = ApiCaller(actors["unit_hr"])("POST", "/people", person_payload(tree, "李四\t"))
    assert status == 201, body
    assert names(actors) == ["李四"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ['=HYPERLINK("http://x.example/")', "+SUM(1,2)", "-2+3", "@A1"])
def test_the_api_refuses_a_formula_as_a_name(tree: Any, actors: dict[str, Any], name: str) -> None:
    status, body = ApiCaller(actors["unit_hr"])("POST", "/people", person_payload(tree, name))
    assert status == 422
    assert body["error"]["message"] == "姓名不能以 = + - @ 开头（电子表格会把它当作公式）"
    assert names(actors) == []


@pytest.mark.django_db
def test_a_page_form_with_a_control_character_answers_422_and_writes_nothing(
    tree: Any, actors: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(actors["unit_hr"])
    response = client.post(
        reverse("people:create"),
        {**person_payload(tree, "李\x1b四"), "unit": tree["U1"].id, "category": "general"},
    )
    assert response.status_code == 422
    assert "“name”" in response.content.decode() and REASON in response.content.decode()
    assert names(actors) == []
