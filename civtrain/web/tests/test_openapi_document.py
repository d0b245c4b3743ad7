"""The OpenAPI document of /api/v1/ says what the API answers (#8 item 11): every error status
with the shared error schema, one component per schema class, times in a format they have."""

import json
import re
from collections.abc import Iterator
from typing import Any, get_args

import pytest
from django.test import Client
from pydantic import BaseModel

from civtrain.core.errors import ApplicationError
from config.api import ERROR_RESPONSES, api


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for url, operations in document["paths"].items():
        for method, operation in operations.items():
            yield url, method, operation


def test_every_operation_documents_its_error_answers(document: dict[str, Any]) -> None:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for url, method, operation in _operations(document):
        responses = operation["responses"]
        expected = {"422", "429"}  # 429: the rate limit (#17 item 6)
        if operation.get("security") or operation.get("x-capability"):  # ADR 0029
            expected |= {"401", "403", "404"}
        if method != "get":
            expected |= {"400", "409"}
        errors = {s for s in responses if s.startswith(("4", "5"))}
        assert errors == expected, (method, url)
        for status in errors:
            assert responses[status]["content"] == error, (method, url, status)
    body = document["components"]["schemas"]["ErrorBodyOut"]
    assert body["required"] == ["code", "message", "details"]


def test_new_endpoints_are_documented_too() -> None:
    # Added in one place (CivtrainAPI.get_openapi_schema), not by hand per endpoint.
    schema = api.get_openapi_schema()
    assert all(
        {401, 403, 404, 422} <= set(operation["responses"])
        for _, _, operation in _operations(schema)
        if operation.get("security")
    )


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_domain_error_status_is_a_documented_one() -> None:
    # A new ApplicationError with another status would answer something the schema hides.
    statuses = {ApplicationError.status} | {c.status for c in _subclasses(ApplicationError)}
    assert statuses <= set(ERROR_RESPONSES)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation)
    for arg in get_args(annotation):
        yield from _models_in(arg)


def test_schema_class_names_are_unique() -> None:
    # Components are keyed by class name: people's and compliance's PersonDetailOut were one
    # component, so /people/{id} was documented with the compliance schema.
    by_name: dict[str, set[type]] = {}
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                wrappers = [*operation.models, *operation.response_models.values()]
                for wrapper in wrappers:
                    if not isinstance(wrapper, type):
                        continue  # a response documented without a body
                    for field in wrapper.model_fields.values():
                        for model in _models_in(field.annotation):
                            by_name.setdefault(model.__name__, set()).add(model)
    clashes = {name: classes for name, classes in by_name.items() if len(classes) > 1}
    assert not clashes


def test_person_detail_is_documented_with_the_people_schema(document: dict[str, Any]) -> None:
    (declared,) = (
        field.annotation
        for router in api._get_bound_routers()
        if router.prefix == "/people"
        for path, path_view in router.path_operations.items()
        if re.fullmatch(r"/\{(int:)?person_id\}", path)
        for operation in path_view.operations
        if "GET" in operation.methods
        for field in operation.response_models[200].model_fields.values()
    )
    ok = document["paths"]["/api/v1/people/{person_id}"]["get"]["responses"]["200"]
    name = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    component = document["components"]["schemas"][name]
    assert set(component["properties"]) == set(declared.model_fields)


def test_session_times_are_documented_as_the_api_writes_them(document: dict[str, Any]) -> None:
    # JSON Schema's "time" format demands a zone offset; the API writes "09:00:00".
    for name in ("SessionIn", "SessionOut"):
        for field in ("start_time", "end_time"):
            prop = document["components"]["schemas"][name]["properties"][field]
            assert "format" not in prop
            assert re.match(prop["pattern"], "09:00:00")
            assert re.match(prop["pattern"], "09:00")
            assert not re.match(prop["pattern"], "25:00")


def test_names_a_service_refuses_blank_are_documented_non_blank(
    document: dict[str, Any],
) -> None:
    # #8 item 11, valid requests rejected: "" was schema-valid and answered 422.
    schemas = document["components"]["schemas"]
    for name, field in [
        ("InstitutionIn", "name"),
        ("TeacherIn", "name"),
        ("SubjectIn", "code"),
        ("SubjectIn", "name"),
        ("ClassIn", "code"),
        ("ClassIn", "title"),
    ]:
        pattern = schemas[name]["properties"][field]["pattern"]
        assert not re.search(pattern, " \t"), (name, field)
        assert re.search(pattern, "党校")
