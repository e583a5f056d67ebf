"""Long property-based fuzzing of every operator (the harness of tests/test_fuzz.py with
random seeds instead of the derandomized bounded run).

Rounds of `--examples` Hypothesis examples per operator, each round with a new seed, go
over the operator table until `--minutes` have passed. Every call runs in a worker
process, so a crash or a hang is a reported failure (with the falsifying call), not the
end of the run. Prints examples and failures per operator; writes
benchmarks/results/fuzz_long.json.

    python3 benchmarks/fuzz_long.py [--minutes 10] [--examples 200] [--only conv2d,add] [--seed N]
"""
import argparse
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

RESULTS = os.path.join(HERE, "results", "fuzz_long.json")


def describe(error):
    """Each failure Hypothesis found: its message and notes (the falsifying call)."""
    errors = error.exceptions if isinstance(error, BaseExceptionGroup) else [error]
    return "\n".join("\n".join([f"{type(e).__name__}: {e}", *getattr(e, "__notes__", [])]) for e in errors)


def main():
    import qnnpack_swift as qs  # noqa: PLC0415  (after the path setup, in the parent only)
    from _fuzz import Worker, fuzz  # noqa: PLC0415
    from _op_table import OPS  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--examples", type=int, default=200, help="examples per operator and round")
    parser.add_argument("--only", default="", help="comma-separated operator names")
    parser.add_argument("--seed", type=int, default=None, help="seed of the round seeds")
    args = parser.parse_args()
    rows = [r for r in OPS if not args.only or r.name in args.only.split(",")]
    families = qs.cpu_features()["supported_kernel_families"]
    seeds = random.Random(args.seed)
    counts = {r.name: 0 for r in rows}
    failures = {r.name: [] for r in rows}
    worker = Worker()
    start = time.monotonic()
    deadline = start + 60 * args.minutes
    rounds = 0
    try:
        while time.monotonic() < deadline:
            rounds += 1
            for row in rows:
                if time.monotonic() >= deadline:
                    break
                seed = seeds.getrandbits(64)
                try:
                    counts[row.name] += fuzz(row, worker, families, args.examples, derandomize=False, seed=seed)
                except Exception as error:  # noqa: BLE001  (report and go on)
                    failures[row.name].append(f"seed {seed}: {describe(error)}")
                    print(f"FAILURE {row.name} (seed {seed}):\n{describe(error)}\n", flush=True)
            print(f"round {rounds}: {sum(counts.values())} examples, "
                  f"{sum(map(len, failures.values()))} failures, {time.monotonic() - start:.0f} s", flush=True)
    finally:
        worker.close()
    elapsed = time.monotonic() - start
    print(f"\n{'operator':<20}{'examples':>10}{'failures':>10}")
    for name in counts:
        print(f"{name:<20}{counts[name]:>10}{len(failures[name]):>10}")
    print(f"{'total':<20}{sum(counts.values()):>10}{sum(map(len, failures.values())):>10}"
          f"   in {elapsed / 60:.1f} min, kernel families {families}")
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump({"minutes": elapsed / 60, "rounds": rounds, "examples": counts, "failures": failures,
                   "kernel_families": families}, f, indent=1)
    return 1 if any(failures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
