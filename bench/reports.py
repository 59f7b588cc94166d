"""Build time of the report (docs/reports.md) on the medium demo data: the queries (`build_report`),
then each rendering (PDF with its charts, XLSX, Markdown).

`python bench/reports.py [--data-dir bench-data/medium] [--runs 5] [--period 30d]`. Builds the medium
demo (`credlens demo --scale medium --no-serve`) when the directory has none, warms once, then prints
the median and spread of `--runs` builds of the first demo issuer's report. Figures, never
assertions; the target is 1 s for a PDF and for an XLSX, queries included.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from credlens.cli.demo import build_demo
from credlens.delivery.report import Report, ReportRequest, build_report, render
from credlens.store.warehouse import Warehouse


def timed(call: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data/medium"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--period", default="30d")
    args = parser.parse_args()
    store = Warehouse(args.data_dir)
    try:
        if store.meta("demo_scale") != "medium":
            build_demo(store, "medium")
        issuer = store.issuers()[0]
        request = ReportRequest(period=args.period)

        def build() -> Report:
            return build_report(issuer, store.tables(issuer.issuer_id), request, warehouse=store)

        report = build()
        for fmt in ("pdf", "xlsx", "md"):
            render(report, fmt)  # warm: vl-convert starts its engine on first use
        print(f"report of {issuer.slug} ({args.data_dir}), period {args.period}, {args.runs} runs after one warm-up")
        print(f"{'step':<28} {'median':>8} {'min':>8} {'max':>8}  ms")
        queries = timed(build, args.runs)
        rows = [("queries (build_report)", queries)]
        for fmt in ("pdf", "xlsx", "md"):
            rows.append((f"render {fmt}", timed(lambda fmt=fmt: render(report, fmt), args.runs)))  # type: ignore[misc]
        for name, times in rows:
            print(f"{name:<28} {statistics.median(times):>8.0f} {min(times):>8.0f} {max(times):>8.0f}")
        for fmt in ("pdf", "xlsx"):
            total = timed(lambda fmt=fmt: render(build(), fmt), args.runs)  # type: ignore[misc]
            size = len(render(report, fmt))
            median = statistics.median(total)
            print(
                f"{fmt.upper()} end to end: median {median:.0f} ms "
                f"({median / 1000:.2f} of the 1 s target), {size / 1024:.0f} KiB"
            )
    finally:
        store.close()


if __name__ == "__main__":
    main()
