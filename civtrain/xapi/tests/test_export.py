"""NDJSON export and the retention path (#13 item 4)."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civtrain.xapi.tests.conftest import Provider, statement

pytestmark = pytest.mark.django_db


def test_export_writes_one_statement_a_line_and_delete_keeps_the_archive(
    provider: Provider, tmp_path: Path, capsys: Any
) -> None:
    ids = provider.post("statements", [statement(), statement()]).json()
    archive = tmp_path / "xapi.ndjson"
    with pytest.raises(CommandError):
        call_command("xapi_export", "--delete")  # never delete without an archive and a bound
    call_command(
        "xapi_export", "--out", str(archive), "--until", "2999-01-01T00:00:00Z", "--delete"
    )
    lines = archive.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ids
    assert provider.get("statements").json()["statements"] == []
    assert "exported 2 statements and deleted them" in capsys.readouterr().err
