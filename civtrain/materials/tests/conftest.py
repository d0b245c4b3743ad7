"""Fixtures of the teaching-materials tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    """A courseware directory of the test's own (the materials live under it)."""
    with override_settings(CIVTRAIN_COURSEWARE_DIR=tmp_path / "courseware"):
        yield tmp_path / "courseware"
