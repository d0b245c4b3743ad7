"""The pages: a learner downloads their own documents, an HR officer a unit's zip built in
the background, an organiser their class's certificates; nobody else's (issue #15)."""

import io
import zipfile
from typing import Any

from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.organisations.api import OrgNodeData
from civtrain.people.data import PersonData


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_learner_downloads_their_own_booklet_and_nobody_elses(
    person: PersonData, tree: dict[str, OrgNodeData]
) -> None:
    learner = login(User.objects.get(person__pk=person.id))
    home = learner.get(reverse("documents:home")).content.decode()
    assert "我的文件" in home
    answer = learner.post(reverse("documents:issue"), {"kind": "booklet", "person_id": person.id})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert "attachment" in answer["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    assert "欧阳明远" in text
    other = testing.make_person(tree["U1"], "李四")
    refused = learner.post(reverse("documents:issue"), {"kind": "booklet", "person_id": other.id})
    assert refused.status_code == 404


def test_an_extract_is_given_as_text_to_paste(person: PersonData, hr: Any) -> None:
    page = login(hr).post(
        reverse("documents:issue"),
        {"kind": "assessment-extract", "person_id": person.id, "year": 2025, "format": "text"},
    )
    body = page.content.decode()
    assert page.status_code == 200 and "2025年度参加脱产培训" in body


def test_hr_builds_a_units_zip_in_the_background(
    person: PersonData,
    hr: Any,
    tree: dict[str, OrgNodeData],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CIVTRAIN_JOBS_INLINE = True
    testing.make_person(tree["U1"], "李四")
    client = login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("documents:zip_start"), {"kind": "booklet", "unit_id": tree["U1"].id}
        )
    assert started.status_code == 302
    job_page = client.get(started["Location"]).content.decode()
    assert "已生成 2 份文件" in job_page
    job_id = int(started["Location"].rstrip("/").split("/")[-1])
    download = client.get(reverse("web:export_download", args=[job_id]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = sorted(archive.namelist())
    assert len(names) == 2 and any("欧阳明远" in n for n in names)
    # Only the user who asked may fetch it.
    other_hr = testing.make_user(Role.UNIT_HR, tree["U1"])
    assert login(other_hr).get(reverse("web:export_download", args=[job_id])).status_code == 404
    # A unit outside the officer's scope answers like a missing one.
    outside = client.post(
        reverse("documents:zip_start"), {"kind": "booklet", "unit_id": tree["U2"].id}
    )
    missing = client.post(reverse("documents:zip_start"), {"kind": "booklet", "unit_id": 999999})
    assert outside.status_code == missing.status_code == 422


def test_the_api_issues_a_document_and_serves_its_pdf_in_scope_only(
    person: PersonData, hr: Any, actors: dict[str, Any]
) -> None:
    from civtrain.testing import ApiCaller

    status, body = ApiCaller(hr)(
        "POST", "/documents/issue", {"kind": "booklet", "person_id": person.id}
    )
    assert status == 200 and body["serial"].startswith("CT-") and body["superseded_by"] == ""
    assert body["verify_url"].endswith(f"/verify/{body['serial']}/")
    status, pdf = ApiCaller(hr)("GET", f"/documents/{body['serial']}/pdf")
    assert status == 200 and pdf.startswith(b"%PDF")
    status, error = ApiCaller(actors["other_city"])("GET", f"/documents/{body['serial']}/pdf")
    missing, absent = ApiCaller(hr)("GET", "/documents/CT-AAAAAAAAAAAA/pdf")
    assert status == missing == 404 and error["error"]["code"] == absent["error"]["code"]
    status, body = ApiCaller(hr)(
        "POST", "/documents/issue", {"kind": "transcript", "person_id": person.id}
    )
    assert status == 422 and "年度" in body["error"]["message"]
