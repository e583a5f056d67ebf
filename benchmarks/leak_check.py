"""Full-size leak check: resident memory (RSS) and malloc'd bytes over

- 100 000 create/run/free cycles of each prepacked operator (Conv2d, Linear: seeded valid
  calls of the operator table, tests/_op_table.py),
- 1 000 000 calls of a small functional operator (clamp of 64 bytes, half with out=),
- 100 000 calls of every operator of the table, a mix of valid calls, calls with out= and
  calls that raise TypeError / ValueError.

Memory is read after a warm-up of a tenth of the loop and then every tenth; the table gives
RSS after warm-up, its largest rise above that, and the malloc'd bytes gained. tests/
test_leaks.py runs the same loops scaled down. Writes benchmarks/results/leak_check.json.

    python3 benchmarks/leak_check.py [--scale 1.0] [--only Conv2d,clamp]
"""
import argparse
import itertools
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import qnnpack_swift as qs  # noqa: E402
from _memory import heap, rss  # noqa: E402
from _op_table import OPS, fuzz_calls, prepared, run_prepared, valid_calls  # noqa: E402

RESULTS = os.path.join(HERE, "results", "leak_check.json")
MIB = 1 << 20


def track(name, step, loops):
    """Runs `step` `loops` times; returns the figures of the loop (memory after warm-up,
    i.e. the first tenth, and at every further tenth)."""
    tenth = max(1, loops // 10)
    start = time.perf_counter()
    for _ in range(tenth):
        step()
    rss0, heap0 = rss(), heap()
    peak = rss0
    for _ in range(9):
        for _ in range(tenth):
            step()
        peak = max(peak, rss())
    seconds = time.perf_counter() - start
    row = dict(name=name, loops=10 * tenth, rss_after_warmup_mib=rss0 / MIB, rss_end_mib=rss() / MIB,
               rss_max_rise_mib=(peak - rss0) / MIB, heap_gain_kib=(heap() - heap0) / 1024,
               us_per_loop=1e6 * seconds / (10 * tenth))
    print(f"{name:<36}{row['loops']:>10}{row['rss_after_warmup_mib']:>10.1f}{row['rss_end_mib']:>10.1f}"
          f"{row['rss_max_rise_mib']:>10.2f}{row['heap_gain_kib']:>10.1f}{row['us_per_loop']:>9.1f}", flush=True)
    return row


def one_at_a_time(calls):
    """A step running the next of the prepared `calls`, round robin."""
    order = itertools.cycle(calls)
    return lambda: run_prepared([next(order)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every loop count")
    parser.add_argument("--only", default="", help="comma-separated operator names")
    args = parser.parse_args()
    wanted = args.only.split(",") if args.only else None
    print(f"{'loop':<36}{'count':>10}{'RSS0 MiB':>10}{'RSS MiB':>10}{'rise MiB':>10}{'heap KiB':>10}{'us/loop':>9}")
    rows = []
    for row in OPS:
        if wanted and row.name not in wanted:
            continue
        loops = int(100_000 * args.scale)
        if row.prepacked:  # one loop = create, run and free one operator
            rows.append(track(f"{row.name} create/run/free", one_at_a_time(prepared(valid_calls(row, 10))), loops))
        rows.append(track(f"{row.name} calls (errors too)", one_at_a_time(prepared(fuzz_calls(row, 100))), loops))
    if not wanted or "clamp" in wanted:
        x = np.arange(64, dtype=np.uint8)
        out = np.empty_like(x)
        calls = itertools.cycle([lambda: qs.clamp(x, 3, 200), lambda: qs.clamp(x, 3, 200, out=out)])
        rows.append(track("clamp 64 B (functional)", lambda: next(calls)(), int(1_000_000 * args.scale)))
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
