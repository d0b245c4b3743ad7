"""Copy the locked npm packages' built files into static/vendor (run by `make`)."""

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# (source under node_modules, destination under static/vendor)
ASSETS = [
    ("@tabler/core/dist/css/tabler.min.css", "tabler/tabler.min.css"),
    ("@tabler/core/dist/js/tabler.min.js", "tabler/tabler.min.js"),
    # The two files above name their source maps; collectstatic's manifest storage
    # fails on a fresh clone unless the maps sit beside them.
    ("@tabler/core/dist/css/tabler.min.css.map", "tabler/tabler.min.css.map"),
    ("@tabler/core/dist/js/tabler.min.js.map", "tabler/tabler.min.js.map"),
    ("@tabler/icons-webfont/dist/tabler-icons.min.css", "tabler-icons/tabler-icons.min.css"),
    ("@tabler/icons-webfont/dist/fonts", "tabler-icons/fonts"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("alpinejs/dist/cdn.min.js", "alpinejs/alpine.min.js"),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
    # The SCORM 1.2 / 2004 runtime API of the player page (civtrain.scorm, ADR 0017), with the
    # source map it names (collectstatic's manifest storage needs it).
    ("scorm-again/dist/scorm-again.min.js", "scorm-again/scorm-again.min.js"),
    ("scorm-again/dist/scorm-again.min.js.map", "scorm-again/scorm-again.min.js.map"),
    # pdf.js (ES modules) for courseware documents read in the page (civtrain.learning's
    # player, #12 item 2), with the CMaps CJK PDFs need and the standard fonts.
    ("pdfjs-dist/build/pdf.min.mjs", "pdfjs/pdf.min.mjs"),
    ("pdfjs-dist/build/pdf.worker.min.mjs", "pdfjs/pdf.worker.min.mjs"),
    ("pdfjs-dist/cmaps", "pdfjs/cmaps"),
    ("pdfjs-dist/standard_fonts", "pdfjs/standard_fonts"),
    # The CJK font the documents' PDFs embed (civtrain/documents/render.py, ADR 0020).
    *[
        (
            f"@fontsource/noto-serif-sc/files/noto-serif-sc-{subset}-{weight}-normal.woff",
            f"noto-serif-sc/noto-serif-sc-{subset}-{weight}-normal.woff",
        )
        for subset in ("latin", "chinese-simplified")
        for weight in (400, 700)
    ],
]


class Command(BaseCommand):
    help = "Copy front-end assets from node_modules (package-lock.json) into static/vendor."

    def handle(self, *args: Any, **options: Any) -> None:
        modules = Path(settings.BASE_DIR) / "node_modules"
        target = Path(settings.BASE_DIR) / "civtrain" / "web" / "static" / "vendor"
        for src, dst in ASSETS:
            source, dest = modules / src, target / dst
            if not source.exists():
                raise CommandError(f"{source} is missing: run `npm ci` first")
            dest.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, dest, dirs_exist_ok=True)
            else:
                shutil.copy2(source, dest)
        self.stdout.write(f"copied {len(ASSETS)} assets into {target}")
