"""Run the benchmarks and print their tables: ``python -m benchmarks [--quick] [--only NAME]``."""

from __future__ import annotations

import argparse
import importlib
import time

#: Benchmark modules in run order; each has ``main(quick=False)``. Add a module here.
MODULES = [
    "bench_probe",
    "bench_explorer",
    "bench_training",
    "bench_e2e",
    "bench_live_book",
]


def _short(module: str) -> str:
    return module.removeprefix("bench_")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats and cells: a smoke run, not numbers to quote")
    parser.add_argument("--only", metavar="NAME", action="append",
                        choices=[_short(m) for m in MODULES] + MODULES,
                        help="run only this benchmark (repeatable), e.g. --only probe")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    wanted = {_short(name) for name in args.only} if args.only else None
    for module in MODULES:
        if wanted is not None and _short(module) not in wanted:
            continue
        start = time.perf_counter()
        # Imported only when selected: a benchmark may pull in heavy packages.
        importlib.import_module(f"benchmarks.{module}").main(quick=args.quick)
        print(f"\n_{module} took {time.perf_counter() - start:.0f} s._\n", flush=True)


if __name__ == "__main__":
    main()
