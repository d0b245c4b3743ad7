"""Serving a stored file that the caller has already checked the user may read: courseware
(learning) and teaching materials (materials) take the same protected path.

In production the web server sends the bytes: the answer is an X-Accel-Redirect to
CIVTRAIN_COURSEWARE_ACCEL (an nginx `internal` location over CIVTRAIN_COURSEWARE_DIR), so no
URL reaches the files without passing the application's check. Without it, Django sends
them, honouring one HTTP range (video seeking, pdf.js)."""

import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 1024 * 1024


def courseware_dir() -> Path:
    return Path(settings.CIVTRAIN_COURSEWARE_DIR)


def serve_file(
    request: HttpRequest, path: Path, content_type: str, *, attachment: str = ""
) -> HttpResponseBase:
    """`path` (under CIVTRAIN_COURSEWARE_DIR) as `content_type`; `attachment`: the file name
    the browser saves it under (Content-Disposition), none to show it in the page."""
    response = _serve(request, path, content_type)
    if attachment:
        response["Content-Disposition"] = content_disposition_header(True, attachment)
    return response


def _serve(request: HttpRequest, path: Path, content_type: str) -> HttpResponseBase:
    response: HttpResponseBase
    accel = settings.CIVTRAIN_COURSEWARE_ACCEL
    if accel:
        relative = path.relative_to(courseware_dir())
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{relative}"
        return response
    size = path.stat().st_size
    match = RANGE.match(request.headers.get("Range", ""))
    if not match or not (match.group(1) or match.group(2)):
        response = FileResponse(path.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    start = int(first) if first else max(0, size - int(last))
    end = min(int(last), size - 1) if first and last else size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    with path.open("rb") as f:
        f.seek(start)
        body = f.read(min(end - start + 1, 8 * CHUNK))
    response = HttpResponse(body, status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{start + len(body) - 1}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response
