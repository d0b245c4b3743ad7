"""Kill -9 at a known moment (#17 "must show": faults). The apps' fault tests start a real
process (`python -m civtrain.core.tests.faults HOOK ARG PAUSE_AT`) that sets Django up and
calls HOOK — a function of the app's test module that runs the import command or the job
runner exactly as in production, wrapping only the progress report it makes after each
written batch. Past PAUSE_AT the process says "PAUSED" and waits; the test kills it with
SIGKILL and looks at the database from outside. PAUSE_AT 0 runs to the end (the restart).
"""

import importlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TIMEOUT = 300  # seconds a loaded machine may need to reach the pause


def pause_here() -> None:
    print("PAUSED", flush=True)
    time.sleep(3600)  # the test kills us long before


def paused_progress(progress: Callable[[int, int], None] | None, pause_at: int) -> Any:
    """A progress callback that pauses once `pause_at` items are written."""

    def step(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
        if pause_at and done >= pause_at:
            pause_here()

    return step


def database_url() -> str:
    """The test database, for the process to open (the test's rows are committed:
    transactional tests)."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start(hook: str, arg: str, pause_at: int) -> subprocess.Popen[str]:
    from django.conf import settings

    from civtrain.core.files import export_dir

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "FAULT_EXPORT_DIR": str(export_dir()),
    }
    return subprocess.Popen(  # noqa: S603 - this module, with the test's own arguments
        [sys.executable, "-m", "civtrain.core.tests.faults", hook, arg, str(pause_at)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when_paused(proc: subprocess.Popen[str]) -> None:
    """Wait for the process to say it is half-way, then kill -9 it."""
    import pytest

    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
    line = proc.stdout.readline().strip() if ready else ""
    if line != "PAUSED":
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"the process never reached its pause ({line!r}): {err[-2000:]}")
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def run_to_the_end(hook: str, arg: str) -> str:
    proc = start(hook, arg, 0)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err[-3000:]
    return out


def main(hook: str, arg: str, pause_at: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings

    if os.environ.get("FAULT_EXPORT_DIR"):  # the test's own directory, not var/exports
        settings.CIVTRAIN_EXPORT_DIR = os.environ["FAULT_EXPORT_DIR"]
    module, _, name = hook.partition(":")
    if not module.startswith("civtrain.") or ".tests." not in module:
        raise SystemExit(f"not a test hook: {hook}")
    getattr(importlib.import_module(module), name)(arg, pause_at)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
