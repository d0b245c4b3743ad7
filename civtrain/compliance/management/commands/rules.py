"""`civtrain rules validate|load|list|show|bind`: rule sets as data (ARCHITECTURE §5)."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.compliance import selectors, services
from civtrain.compliance.ruleset import parse_document, read_file, shipped_files
from civtrain.core.errors import ApplicationError


def _resolve(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    shipped = shipped_files()
    if name_or_path in shipped:
        return shipped[name_or_path]
    raise CommandError(
        f"找不到规则集“{name_or_path}”；内置规则集：{'、'.join(shipped)}，或给出 .yaml 文件路径"
    )


class Command(BaseCommand):
    help = "Validate, load, list, show and bind rule sets."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        v = sub.add_parser("validate", help="validate files against the schema")
        v.add_argument("names", nargs="*", help="names of shipped sets or .yaml paths (all)")
        ld = sub.add_parser("load", help="store a rule-set version")
        ld.add_argument("names", nargs="*", help="names of shipped sets or .yaml paths (all)")
        sub.add_parser("list", help="loaded rule sets and their bindings")
        sh = sub.add_parser("show", help="print a loaded rule set")
        sh.add_argument("name")
        sh.add_argument("--version", type=int, default=None)
        b = sub.add_parser("bind", help="bind a loaded rule set to an org node")
        b.add_argument("name")
        b.add_argument("--org", required=True, help="org node code")
        b.add_argument("--from", dest="valid_from", required=True, type=dt.date.fromisoformat)
        b.add_argument("--to", dest="valid_to", default=None, type=dt.date.fromisoformat)
        b.add_argument("--version", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "do_" + options["action"])(options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _paths(self, names: list[str]) -> list[Path]:
        return [_resolve(n) for n in names] if names else list(shipped_files().values())

    def do_validate(self, options: dict[str, Any]) -> None:
        failed = False
        for path in self._paths(options["names"]):
            try:
                spec = parse_document(read_file(path))
            except ApplicationError as exc:
                failed = True
                self.stderr.write(f"✗ {path.name}: {exc.message}")
                for problem in exc.extra.get("problems", [])[5:]:
                    self.stderr.write(f"    {problem}")
                continue
            self.stdout.write(f"✓ {path.name}: {spec.label}，{len(spec.rules)} 条规则")
        if failed:
            raise CommandError("规则集校验未通过")

    def do_load(self, options: dict[str, Any]) -> None:
        for path in self._paths(options["names"]):
            row, created = services.ruleset_load(actor=SYSTEM, document=read_file(path))
            self.stdout.write(f"{'载入' if created else '已存在'} {row}（{row.title}）")

    def do_list(self, options: dict[str, Any]) -> None:
        for row in selectors.ruleset_list():
            period = f"{row.valid_from}…{row.valid_to or ''}"
            self.stdout.write(f"{row!s:24} {period:24} {row.title}")
        for b in selectors.binding_list():
            self.stdout.write(
                f"  绑定 {b.ruleset!s:22} → {b.org.code}（{b.org.name}）"
                f" {b.valid_from}…{b.valid_to or ''}"
            )

    def do_show(self, options: dict[str, Any]) -> None:
        row = selectors.ruleset_get(options["name"], options["version"])
        self.stdout.write(json.dumps(row.document, ensure_ascii=False, indent=2))

    def do_bind(self, options: dict[str, Any]) -> None:
        b = services.ruleset_bind(
            actor=SYSTEM,
            name=options["name"],
            org_code=options["org"],
            valid_from=options["valid_from"],
            valid_to=options["valid_to"],
            version=options["version"],
        )
        self.stdout.write(
            f"已绑定 {b.ruleset} → {options['org']}，{b.valid_from}…{b.valid_to or ''}"
        )
