from collections.abc import Iterator

import pytest

from civtrain.scorm.storage import delete_tree


@pytest.fixture(autouse=True)
def _empty_package_storage() -> Iterator[None]:
    """The test settings keep package files in memory, shared by every test of a process."""
    delete_tree("")
    yield
    delete_tree("")
