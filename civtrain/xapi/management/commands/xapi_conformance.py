"""`civtrain xapi-conformance --suite PATH`: run ADL's LRS conformance suite against
`civtrain serve` on the configured database, for xAPI 1.0.3 and 2.0.0, and print the counts
and durations (#13 must-show; `make xapi-conformance SUITE=path`).

The suite is not part of the repository (DEVELOPERS.md says how to get it). Each version runs
against a fresh server whose CIVTRAIN_XAPI_DEFAULT_VERSION is that version: the two suites
ask different things of a request that names no version (1.0.3 wants "1.0.3" in the answer,
2.0.0 wants "2.0.0"), and that setting is what a deployment chooses (ADR 0018)."""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.organisations.api import org_list_data
from civtrain.xapi import api

VERSIONS = ("1.0.3", "2.0.0")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _failing(node: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Titles of the failing tests in the suite's JSON log."""
    if isinstance(node, list):
        return [t for child in node for t in _failing(child, path)]
    if not isinstance(node, dict):
        return []
    title = str(node.get("title") or node.get("name") or "")
    children = node.get("tests") or []
    if node.get("status") == "failed" and not children:
        return [" > ".join((*path, title))]
    return _failing(children, (*path, title[:60]))


class Command(BaseCommand):
    help = "Run ADL's LRS conformance suite (1.0.3 and 2.0.0) against civtrain serve."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--suite", required=True, help="a checkout of adlnet/lrs-conformance-test-suite"
        )
        parser.add_argument("--versions", default=",".join(VERSIONS))
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        suite = Path(options["suite"]).resolve()
        if not (suite / "bin" / "console_runner.js").exists():
            raise CommandError(
                f"{suite} is not a checkout of the conformance suite (see DEVELOPERS.md)"
            )
        if not (suite / "node_modules").exists():
            raise CommandError(f"run `npm install --ignore-scripts` in {suite} first")
        roots = [o for o in org_list_data(scope_paths=[""]) if o.parent_id is None]
        if not roots:
            raise CommandError(
                "the database has no organisation tree: run `civtrain demo-data` first"
            )
        issued = api.credential_create(
            actor=SYSTEM, name="ADL conformance suite", org_code=roots[0].code
        )
        try:
            for version in options["versions"].split(","):
                self._run(suite, version, issued.credential.key, issued.secret, options["workers"])
        finally:
            api.credential_revoke_by_key(actor=SYSTEM, key=issued.credential.key)

    def _run(self, suite: Path, version: str, key: str, secret: str, workers: int) -> None:
        port = _free_port()
        env = {**os.environ, "CIVTRAIN_XAPI_DEFAULT_VERSION": version}
        server = subprocess.Popen(  # noqa: S603 - our own command
            [
                sys.executable,
                "-m",
                "civtrain",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._warm_up(port, key, secret)
            started = time.monotonic()
            run = subprocess.run(  # noqa: S603
                [shutil.which("node") or "node", "bin/console_runner.js", "-x", version,
                 "-e", f"http://127.0.0.1:{port}/xapi", "-a", "-u", key, "-p", secret],
                cwd=suite, capture_output=True, text=True, check=False,
            )  # fmt: skip
            seconds = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
        log_path = next((w for w in run.stdout.split() if w.endswith(".log") and "/logs/" in w), "")
        if not log_path:
            raise CommandError(
                f"the suite wrote no log:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
            )
        log = json.loads(Path(log_path).read_text())
        summary = log["summary"]
        self.stdout.write(
            json.dumps(
                {
                    "version": version,
                    **{k: summary[k] for k in ("total", "passed", "failed")},
                    "seconds": round(seconds, 1),
                    "log": log_path,
                }
            )
        )
        for title in _failing(log.get("log")):
            self.stdout.write(f"  FAILED {title}")

    def _warm_up(self, port: int, key: str, secret: str) -> None:
        """Wait for the server, then load every worker's code before the suite measures the
        clock difference between itself and the LRS from its first statement."""
        auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        deadline = time.monotonic() + 300
        while True:
            try:
                about = f"http://127.0.0.1:{port}/xapi/about"
                urllib.request.urlopen(about, timeout=5)  # our local server  # nosec B310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise CommandError("civtrain serve did not start") from None
                time.sleep(0.5)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/xapi/statements?limit=1",
            headers={"Authorization": auth, "X-Experience-API-Version": "2.0.0"},
        )
        for _ in range(12):
            urllib.request.urlopen(request, timeout=30)  # nosec B310  # noqa: S310
