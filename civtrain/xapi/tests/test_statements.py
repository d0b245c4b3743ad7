"""The Statements resource over HTTP: store, read, filter, page, void, attachments, signatures,
versions and the alternate syntax (#13 item 1)."""

import base64
import hashlib
import json
import uuid
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from civtrain.xapi.tests.conftest import VERB_COMPLETED, Provider, issue, statement

pytestmark = pytest.mark.django_db

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def test_post_then_get_returns_the_statement_with_what_the_lrs_sets(provider: Provider) -> None:
    response = provider.post("statements", statement())
    assert response.status_code == 200
    [sid] = response.json()
    assert response["X-Experience-API-Version"] == "2.0.0"

    got = provider.get("statements", {"statementId": sid})
    assert got.status_code == 200
    body = got.json()
    assert body["id"] == sid
    assert body["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attempted"
    assert body["authority"]["account"]["name"] == provider.key
    assert body["stored"].endswith("Z") and body["timestamp"] == body["stored"]
    assert body["version"] == "2.0.0"
    assert got["X-Experience-API-Consistent-Through"]


def test_put_stores_under_the_given_id_and_a_resend_is_no_conflict(provider: Provider) -> None:
    sid = str(uuid.uuid4())
    assert provider.put("statements", statement(), f"?statementId={sid}").status_code == 204
    assert provider.put("statements", statement(), f"?statementId={sid}").status_code == 204
    changed = statement(verb=VERB_COMPLETED)
    conflict = provider.put("statements", changed, f"?statementId={sid}")
    assert conflict.status_code == 409
    assert sid in conflict.json()["error"]["message"]


def test_put_without_statement_id_is_refused(provider: Provider) -> None:
    response = provider.put("statements", statement())
    assert response.status_code == 400
    assert "statementId" in response.json()["error"]["message"]


def test_a_batch_with_one_bad_statement_stores_nothing(provider: Provider) -> None:
    good = statement(id=str(uuid.uuid4()))
    bad = statement(id=str(uuid.uuid4()))
    bad["verb"]["id"] = "not an iri"
    response = provider.post("statements", [good, bad])
    assert response.status_code == 400
    assert "verb.id" in response.json()["error"]["message"]
    assert provider.get("statements", {"statementId": good["id"]}).status_code == 404


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda s: s.pop("actor"), "'actor' is required"),
        (lambda s: s["actor"].update(mbox="learner@example.com"), "actor.mbox"),
        (lambda s: s["actor"].update(openid="http://x.example/"), "exactly one"),
        (lambda s: s.update(Verb=s["verb"]), "unknown property 'Verb'"),
        (lambda s: s["verb"].update(display={"not a tag!": "x"}), "language tag"),
        (lambda s: s.update(result={"score": {"scaled": 2}}), "result.score.scaled"),
        (lambda s: s.update(result={"success": "true"}), "result.success"),
        (lambda s: s.update(result={"duration": "1 hour"}), "result.duration"),
        (lambda s: s.update(timestamp="yesterday"), "timestamp"),
        (lambda s: s.update(id="not-a-uuid"), "id"),
        (lambda s: s.update(context={"registration": None}), "must not be null"),
        (lambda s: s["object"].update(objectType="Thing"), "object type"),
        (lambda s: s.update(verb={"id": VOIDED}), "StatementRef"),
        (lambda s: s.update(version="0.9"), "version"),
    ],
)
def test_malformed_statements_are_refused_with_the_property_named(
    provider: Provider, change: Any, named: str
) -> None:
    body = statement()
    change(body)
    response = provider.post("statements", body)
    assert response.status_code == 400
    assert named in response.json()["error"]["message"]


def test_requests_without_credential_version_or_with_a_bad_body_are_refused(
    provider: Provider,
) -> None:
    anonymous = provider.client.get(
        "/xapi/statements", headers={"X-Experience-API-Version": "2.0.0"}
    )
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Basic")
    wrong = Provider(provider.key, "not-the-secret")
    assert wrong.get("statements").status_code == 401
    no_version = provider.client.get("/xapi/statements", headers={"Authorization": provider.auth})
    assert no_version.status_code == 400
    assert "X-Experience-API-Version" in no_version.json()["error"]["message"]
    assert provider.get("statements", X_Experience_API_Version="3.0.0").status_code == 400
    assert provider.post("statements", "{not json").status_code == 400
    assert provider.post("statements", "x", content_type="text/plain").status_code == 400
    assert provider.get("statements", {"colour": "red"}).status_code == 400
    assert (
        provider.get("statements", {"statementId": str(uuid.uuid4()), "verb": VOIDED}).status_code
        == 400
    )
    assert provider.client.delete("/xapi/statements", headers=provider.headers()).status_code == 405


def test_about_needs_no_credential_and_lists_both_versions(provider: Provider) -> None:
    response = provider.client.get("/xapi/about")
    assert response.status_code == 200
    assert {"1.0.3", "2.0.0"} <= set(response.json()["version"])


def test_version_one_is_answered_as_version_one(provider: Provider) -> None:
    provider.version = "1.0.3"
    response = provider.post("statements", statement())
    assert response["X-Experience-API-Version"] == "1.0.3"
    stored = provider.get("statements", {"statementId": response.json()[0]}).json()
    assert stored["version"] == "1.0.0"


def test_filters_and_paging_through_more(provider: Provider) -> None:
    registration = str(uuid.uuid4())
    ids = []
    for i in range(5):
        body = statement(activity=f"http://example.com/course/{i % 2}")
        body["context"] = {
            "registration": registration,
            "contextActivities": {"parent": {"id": "http://example.com/programme"}},
        }
        ids.append(provider.post("statements", body).json()[0])
    provider.post("statements", statement(verb=VERB_COMPLETED))

    page = provider.get(
        "statements", {"activity": "http://example.com/course/0", "limit": 2}
    ).json()
    assert [s["id"] for s in page["statements"]] == [ids[4], ids[2]]
    assert page["more"].startswith("/xapi/statements?more=")
    rest = provider.client.get(page["more"], headers=provider.headers()).json()
    assert [s["id"] for s in rest["statements"]] == [ids[0]]
    assert rest["more"] == ""

    related = provider.get("statements", {"activity": "http://example.com/programme"}).json()
    assert related["statements"] == []
    related = provider.get(
        "statements", {"activity": "http://example.com/programme", "related_activities": "true"}
    ).json()
    assert len(related["statements"]) == 5
    by_registration = provider.get(
        "statements", {"registration": registration, "ascending": "true"}
    ).json()
    assert [s["id"] for s in by_registration["statements"]] == ids
    by_verb = provider.get("statements", {"verb": VERB_COMPLETED}).json()
    assert len(by_verb["statements"]) == 1
    agent = json.dumps({"mbox": "mailto:learner@example.com"})
    assert len(provider.get("statements", {"agent": agent}).json()["statements"]) == 6
    other = json.dumps({"mbox": "mailto:someone@example.com"})
    assert provider.get("statements", {"agent": other}).json()["statements"] == []
    assert provider.get("statements", {"agent": "{bad"}).status_code == 400
    assert provider.get("statements", {"since": "last week"}).status_code == 400


def test_voiding_hides_the_target_but_keeps_it_reachable_as_voided(provider: Provider) -> None:
    target = provider.post("statements", statement()).json()[0]
    voiding = statement(verb=VOIDED)
    voiding["object"] = {"objectType": "StatementRef", "id": target}
    voiding_id = provider.post("statements", voiding).json()[0]

    assert provider.get("statements", {"statementId": target}).status_code == 404
    assert provider.get("statements", {"voidedStatementId": target}).json()["id"] == target
    listed = [s["id"] for s in provider.get("statements").json()["statements"]]
    assert voiding_id in listed and target not in listed
    # The voiding statement is found by the voided one's activity (Data 2.5.3).
    by_activity = provider.get("statements", {"activity": "http://example.com/a/1"}).json()
    assert [s["id"] for s in by_activity["statements"]] == [voiding_id]
    again = statement(verb=VOIDED)
    again["object"] = {"objectType": "StatementRef", "id": voiding_id}
    assert provider.post("statements", again).status_code == 400


def test_formats_ids_and_canonical(provider: Provider) -> None:
    body = statement()
    body["object"]["definition"] = {"name": {"en-US": "Course", "zh-CN": "课程"}}
    sid = provider.post("statements", body).json()[0]
    ids = provider.get("statements", {"statementId": sid, "format": "ids"}).json()
    assert ids["verb"] == {"id": body["verb"]["id"]}
    assert ids["object"] == {"id": "http://example.com/a/1"}
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
    canonical = provider.get(
        "statements", {"statementId": sid, "format": "canonical"}, Accept_Language="zh-CN"
    ).json()
    assert canonical["object"]["definition"]["name"] == {"zh-CN": "课程"}
    assert canonical["verb"]["display"] == {"zh-CN": "动作"}
    activity = provider.get("activities", {"activityId": "http://example.com/a/1"}).json()
    assert activity["definition"]["name"] == {"en-US": "Course", "zh-CN": "课程"}


def _multipart(
    statements: Any, parts: list[tuple[str, bytes]], boundary: str = "b0undary"
) -> bytes:
    out = f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(statements)}".encode()
    for content_type, content in parts:
        sha2 = hashlib.sha256(content).hexdigest()
        out += (
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n"
        ).encode() + content
    return out + f"\r\n--{boundary}--\r\n".encode()


def _attachment(
    content: bytes, usage: str = "http://example.com/usage/certificate", ctype: str = "text/plain"
) -> dict[str, Any]:
    return {
        "usageType": usage,
        "display": {"zh-CN": "附件"},
        "contentType": ctype,
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
    }


def test_attachments_in_and_out_as_multipart(provider: Provider) -> None:
    content = "结业证书".encode()
    body = statement(attachments=[_attachment(content)])
    response = provider.post(
        "statements",
        _multipart(body, [("text/plain", content)]),
        content_type='multipart/mixed; boundary="b0undary"',
    )
    assert response.status_code == 200, response.content
    sid = response.json()[0]
    got = provider.get("statements", {"statementId": sid, "attachments": "true"})
    assert got["Content-Type"].startswith("multipart/mixed")
    assert content in got.content
    assert hashlib.sha256(content).hexdigest().encode() in got.content

    missing = provider.post(
        "statements", _multipart(body, []), content_type="multipart/mixed; boundary=b0undary"
    )
    assert missing.status_code == 400
    assert provider.post("statements", body).status_code == 400  # declared but not sent


def _signed(
    body: dict[str, Any], *, tamper: bool = False, alg: str = "RS256"
) -> tuple[dict[str, Any], bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "provider")])
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    header = {
        "alg": alg,
        "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()],
    }
    payload = dict(body, verb={"id": VERB_COMPLETED}) if tamper else body

    def b64(value: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    signing_input = f"{b64(header)}.{b64(payload)}".encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    jws = signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")
    attachment = _attachment(
        jws, "http://adlnet.gov/expapi/attachments/signature", "application/octet-stream"
    )
    return dict(body, attachments=[attachment]), jws


def test_signed_statements_are_checked(provider: Provider) -> None:
    good, jws = _signed(statement())
    ok = provider.post(
        "statements",
        _multipart(good, [("application/octet-stream", jws)]),
        content_type="multipart/mixed; boundary=b0undary",
    )
    assert ok.status_code == 200, ok.content
    bad, jws = _signed(statement(), tamper=True)
    refused = provider.post(
        "statements",
        _multipart(bad, [("application/octet-stream", jws)]),
        content_type="multipart/mixed; boundary=b0undary",
    )
    assert refused.status_code == 400
    assert "does not match" in refused.json()["error"]["message"]
    odd, jws = _signed(statement(), alg="HS256")
    refused = provider.post(
        "statements",
        _multipart(odd, [("application/octet-stream", jws)]),
        content_type="multipart/mixed; boundary=b0undary",
    )
    assert refused.status_code == 400


def test_alternate_request_syntax_in_one_zero_three(provider: Provider) -> None:
    from urllib.parse import urlencode

    sid = str(uuid.uuid4())
    form = urlencode(
        {
            "statementId": sid,
            "content": json.dumps(statement()),
            "Authorization": provider.auth,
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        }
    )
    response = provider.client.post(
        "/xapi/statements?method=PUT", form, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 204, response.content
    provider.version = "1.0.3"
    assert provider.get("statements", {"statementId": sid}).status_code == 200
    refused = provider.client.post(
        "/xapi/statements?method=PUT&statementId=" + sid,
        form,
        content_type="application/x-www-form-urlencoded",
    )
    assert refused.status_code == 400
    two = form.replace("1.0.3", "2.0.0")
    assert (
        provider.client.post(
            "/xapi/statements?method=PUT", two, content_type="application/x-www-form-urlencoded"
        ).status_code
        == 400
    )


def test_a_provider_reads_only_what_it_wrote(provider: Provider, tree: Any) -> None:
    other = issue(tree["C1"], name="另一厂商")
    sid = provider.post("statements", statement()).json()[0]
    assert other.get("statements", {"statementId": sid}).status_code == 404
    assert other.get("statements").json()["statements"] == []
    assert len(provider.get("statements").json()["statements"]) == 1
