"""Saved filters of the long lists (issue #11 item 2): a user names a list's filters, finds
them on the same list, applies and deletes them; nobody else sees them."""

from typing import Any

from django.test import Client

from civtrain.web.models import SavedFilter


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_save_apply_and_delete_a_filter_of_the_people_list(actors: Any) -> None:
    hr = _client(actors["unit_hr"])
    response = hr.post(
        "/filters/save/",
        {"path": "/people/", "name": "执法人员", "query": "law_enforcement=yes&page=3&q="},
    )
    assert response.status_code == 302
    assert response["Location"] == "/people/?law_enforcement=yes"  # no page, no empty field
    page = hr.get("/people/").content.decode()
    assert 'href="/people/?law_enforcement=yes">执法人员</a>' in page
    # The same name again replaces it rather than adding a second.
    hr.post("/filters/save/", {"path": "/people/", "name": "执法人员", "query": "grassroots=yes"})
    saved = SavedFilter.objects.get()
    assert saved.query == "grassroots=yes"
    assert hr.post(f"/filters/{saved.pk}/delete/")["Location"] == "/people/"
    assert not SavedFilter.objects.exists()
    assert ">执法人员</a>" not in hr.get("/people/").content.decode()


def test_a_users_saved_filters_are_their_own(actors: Any) -> None:
    hr, city = _client(actors["unit_hr"]), _client(actors["city"])
    hr.post("/filters/save/", {"path": "/compliance/", "name": "逾期", "query": "risk=missed"})
    saved = SavedFilter.objects.get()
    assert ">逾期</a>" not in city.get("/compliance/").content.decode()
    assert city.post(f"/filters/{saved.pk}/delete/").status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()


def test_only_lists_take_saved_filters_and_a_name_is_needed(actors: Any) -> None:
    hr = _client(actors["unit_hr"])
    refused = hr.post("/filters/save/", {"path": "/audit/x", "name": "a", "query": ""})
    assert refused.status_code == 422
    assert "此页面不能保存筛选条件" in refused.content.decode()
    offsite = hr.post("/filters/save/", {"path": "//evil.example/", "name": "a", "query": ""})
    assert offsite.status_code == 422
    unnamed = hr.post("/filters/save/", {"path": "/people/", "name": "  ", "query": "q=张"})
    assert unnamed["Location"] == "/people/?q=%E5%BC%A0"
    assert "请给筛选条件起个名字" in hr.get("/people/").content.decode()
    assert not SavedFilter.objects.exists()
