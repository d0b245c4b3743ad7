"""Benchmarks: each module in this package registers functions with @benchmark.

A benchmark function takes the size and returns a Measurement whose value and baseline
were both measured in the same run (the baseline is the plain way of doing the same work).
`civtrain bench NAME [--size N]` runs one, `civtrain bench all` (= `make bench`) runs all;
each result is appended to var/bench/results.json.
"""

import datetime as dt
import importlib
import json
import pkgutil
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class Measurement:
    value: float
    unit: str  # e.g. "rows/s", "s", "ms"
    baseline: float  # the same figure for the baseline, measured in the same run
    target: str  # e.g. ">= 5000 rows/s on postgresql"
    higher_is_better: bool = True


@dataclass(frozen=True)
class Benchmark:
    name: str
    func: Callable[[int], Measurement]
    default_size: int
    description: str


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, *, default_size: int, description: str) -> Callable:
    def register(func: Callable[[int], Measurement]) -> Callable[[int], Measurement]:
        REGISTRY[name] = Benchmark(name, func, default_size, description)
        return func

    return register


def discover() -> dict[str, Benchmark]:
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return REGISTRY


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """with timer() as elapsed: ...; elapsed() gives seconds (also after the block)."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def record(name: str, size: int, m: Measurement) -> dict:
    ratio = (m.value / m.baseline) if m.baseline else None
    row = {
        "name": name,
        "value": round(m.value, 3),
        "unit": m.unit,
        "baseline": round(m.baseline, 3),
        "ratio": round(ratio, 3) if ratio is not None else None,
        "target": m.target,
        "database": connection.vendor,
        "size": size,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
    }
    path = Path(settings.BASE_DIR) / "var" / "bench" / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(path.read_text()) if path.exists() else []
    rows.append(row)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return row


__all__ = ["Measurement", "asdict", "benchmark", "discover", "record", "timer"]
