"""`civtrain bench NAME [--size N]` and `civtrain bench all`: run benchmarks from bench/."""

import importlib
import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a benchmark (or all) and append the result to var/bench/results.json."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="benchmark name, 'all' or 'list'")
        parser.add_argument("--size", type=int, default=None)
        parser.add_argument(
            "--keep", action="store_true", help="keep generated data for the next run"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keep"]:
            os.environ["CIVTRAIN_BENCH_KEEP"] = "1"  # read by benchmarks that can keep data
        bench = importlib.import_module("bench")  # top-level package beside civtrain/
        registry = bench.discover()
        name = options["name"]
        if name == "list":
            for b in registry.values():
                self.stdout.write(f"{b.name:32} size {b.default_size:>9}  {b.description}")
            return
        names = sorted(registry) if name == "all" else [name]
        for n in names:
            if n not in registry:
                raise CommandError(f"unknown benchmark {n!r}; `civtrain bench list` shows them")
            b = registry[n]
            size = options["size"] or b.default_size
            self.stderr.write(f"running {n} (size {size}) …")
            row = bench.record(n, size, b.func(size))
            self.stdout.write(json.dumps(row, ensure_ascii=False))
