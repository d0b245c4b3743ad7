"""Refuses control characters in anything a request submits, at the edge (issue 8 item 6).

NUL and the other C0/C1 control characters (tab, line feed and carriage return excepted)
have no place in any text field of the platform: on SQLite a NUL in a name was stored and
then broke every .xlsx export, on PostgreSQL a NUL in a value is a server error. Rather than
trusting each form and schema to remember, every query parameter, form field and JSON
string (keys included) is checked before the view runs; the answer is a 422 naming the
fields — the API's error shape for /api/, the error page (or htmx partial) elsewhere.
Uploaded files are not text fields: the spreadsheet reader checks their cells row by row.
"""

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from civtrain.core.errors import ValidationFailed
from civtrain.core.text import CONTROL_REASON, has_control_characters
from civtrain.web.middleware import render_application_error


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            yield from _strings(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index))


def submitted_strings(request: HttpRequest) -> Iterator[tuple[str, str]]:
    """(field name, text) of every value the request submits, files aside. The API takes
    JSON, and its own guard (config/api.py) reads the raw body, which Django no longer
    allows once the form fields were parsed: under /api/ only JSON is looked at."""
    api = request.path.startswith("/api/")
    form = request.POST if request.method == "POST" and not api else None
    for data in (request.GET, form):
        if data:
            for key, values in data.lists():
                yield key, key
                for value in values:
                    yield key, value
    if api and request.content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return  # the API answers malformed JSON itself
        yield from _strings(body, "")


class ControlCharacterMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        bad = sorted(
            {name for name, text in submitted_strings(request) if has_control_characters(text)}
        )
        if not bad:
            return None
        shown = "、".join(f"“{name}”" for name in bad[:5])
        error = ValidationFailed(
            f"提交的内容中 {shown} {CONTROL_REASON}",
            # the API's one shape of details.fields, as the OpenAPI schema documents it
            {
                "fields": [
                    {"field": n, "message": CONTROL_REASON, "type": "control_characters"}
                    for n in bad
                ]
            },
        )
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": error.as_dict()},
                status=error.status,
                json_dumps_params={"ensure_ascii": False},
            )
        return render_application_error(request, error)
