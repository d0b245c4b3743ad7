"""Where package files live: storages["scorm"] (var/scorm/ on disk, never under MEDIA_ROOT,
which a web server may serve to anyone), under one directory per package."""

import posixpath
from collections.abc import Iterable
from typing import IO

from django.core.files.base import File
from django.core.files.storage import Storage, storages


def scorm_storage() -> Storage:
    return storages["scorm"]


def file_key(storage_key: str, name: str) -> str:
    return posixpath.join(storage_key, name)


def write(storage_key: str, name: str, member: IO[bytes], size: int) -> None:
    """Stream one member into the storage (zipfile stops at its declared size)."""
    key = file_key(storage_key, name)
    content = File(member, name=posixpath.basename(name))
    content.size = size
    saved = scorm_storage().save(key, content)
    if saved != key:  # the storage renamed it: a fresh key never collides, so this is a bug
        raise RuntimeError(f"storage renamed {key} to {saved}")


def delete_all(storage_key: str, names: Iterable[str]) -> None:
    storage = scorm_storage()
    for name in names:
        key = file_key(storage_key, name)
        if storage.exists(key):
            storage.delete(key)


def delete_tree(storage_key: str) -> None:
    storage = scorm_storage()
    pending = [storage_key]
    while pending:
        directory = pending.pop()
        try:
            directories, files = storage.listdir(directory)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in files:
            storage.delete(posixpath.join(directory, name))
        pending.extend(posixpath.join(directory, name) for name in directories)
