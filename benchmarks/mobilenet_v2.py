"""Quantized MobileNetV2 (224×224, 1000 classes) end to end on qnnpack_swift, side by side
with ONNX Runtime on the same model files.

1. makes the models if absent (benchmarks/make_mobilenet_v2.py: seeded random weights,
   quantized by onnxruntime.quantization.quantize_static);
2. loads the main one (QOperator, uint8 activations, int8 per-channel weights) with
   `qnnpack_swift.onnx.load` and prints the top-5 classes of a seeded image;
3. agreement with ONNX Runtime over 20 seeded images for every variant: identical output
   elements, top-5 sets, top-1; then node by node on the main model (ONNX Runtime's own
   intermediates fed through each step; every difference must be one that emulating ONNX
   Runtime's arithmetic reproduces — see benchmarks/ort_parity.py);
4. latency, median and min over --runs runs after warm-up, for qnnpack_swift and ONNX
   Runtime at 1 and 2 threads on the same model (configurations take turns in blocks, since
   timings on shared machines drift); ONNX Runtime is also timed on the QDQ file of the
   same network, the format it recommends and runs fastest;
5. writes the table to benchmarks/results/mobilenet_v2.json and a bar chart to
   benchmarks/results/mobilenet_v2_latency.png.

    python3 benchmarks/mobilenet_v2.py [--runs 60] [--images 20] [--summary]

Exits with status 1 if a node differs from ONNX Runtime in a way not explained.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

import make_mobilenet_v2 as mk
import ort_parity
import qnnpack_swift as qs

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
QDQ_VARIANT = "qdq_u8s8_per_channel"


def top5(logits):
    return [int(i) for i in np.argsort(-logits, kind="stable")[:5]]


def agreement(models, count):
    """Rows (variant, identical fraction, top-5 equal fraction, top-5 overlap, top-1 equal)."""
    inputs = [{"input": mk.images(seed=s, count=1)} for s in range(count)]
    rows = []
    for variant, model in models.items():
        identical, top5_equal, overlap = ort_parity.output_agreement(model, mk.path(variant), inputs)
        session = ort_parity.session(mk.path(variant))
        top1 = np.mean([np.argmax(model(**f)) == np.argmax(session.run(None, f)[0]) for f in inputs])
        rows.append((variant, identical, top5_equal, overlap, float(top1)))
    return rows


def timed(run, runs):
    run()  # warm-up of this block
    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        run()
        times.append(time.perf_counter_ns() - t0)
    return times


def latency(model, runs, rounds=10):
    """{(runtime, model file, threads): [ns, ...]}, the configurations taking turns in
    blocks of runs / rounds, with a pause between blocks so that ONNX Runtime's spinning
    worker threads are parked before the next configuration runs."""
    x = mk.images(seed=0, count=1)
    feeds = {"input": x}
    configs = {}
    for threads in (1, 2):
        configs[("qnnpack_swift", mk.MAIN_VARIANT, threads)] = (threads, lambda: model(x))
        for variant in (mk.MAIN_VARIANT, QDQ_VARIANT):
            session = ort_parity.session(mk.path(variant), threads)
            configs[("onnxruntime", variant, threads)] = (
                None, lambda s=session: s.run(None, feeds))
    for _, run in configs.values():  # warm-up: first runs allocate and pack
        for _ in range(5):
            run()
    per_block = max(1, -(-runs // rounds))
    times = {key: [] for key in configs}
    previous = qs.get_num_threads()
    try:
        for _ in range(rounds):
            for key, (threads, run) in configs.items():
                if threads is not None:
                    qs.set_num_threads(threads)
                times[key] += timed(run, per_block)
                time.sleep(0.05)
    finally:
        qs.set_num_threads(previous)
    return times


def chart(rows, path):
    import matplotlib  # noqa: PLC0415
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    labels = [f"{r['runtime']}\n{r['model'].split('_')[0]}" for r in rows if r["threads"] == 1]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    width = 0.38
    for k, threads in enumerate((1, 2)):
        sel = [r for r in rows if r["threads"] == threads]
        pos = np.arange(len(sel)) + (k - 0.5) * width
        ax.bar(pos, [r["median_ms"] for r in sel], width, label=f"{threads} thread{'s' * (threads > 1)} (median)")
        ax.scatter(pos, [r["min_ms"] for r in sel], color="black", marker="_", s=200,
                   zorder=3, label="min" if k == 0 else None)
    ax.set_xticks(np.arange(len(labels)), labels)
    ax.set_ylabel("ms per image (batch 1)")
    ax.set_title("Quantized MobileNetV2 224×224, uint8 activations, int8 per-channel weights")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=60, help="timed runs per configuration (>= 50)")
    parser.add_argument("--images", type=int, default=20, help="seeded images for agreement")
    parser.add_argument("--summary", action="store_true", help="print the model's summary()")
    args = parser.parse_args()

    mk.ensure_models()
    models = {v: qs.onnx.load(mk.path(v)) for v in mk.VARIANTS}
    model = models[mk.MAIN_VARIANT]
    print(f"qnnpack_swift {qs.__version__} | kernel family {qs.cpu_features()['kernel_family']} | "
          f"{platform.processor() or platform.machine()} | model {os.path.relpath(mk.path(mk.MAIN_VARIANT))}")
    print(model.summary() if args.summary else model.summary().splitlines()[-1])

    x = mk.images(seed=0, count=1)
    logits = model(x)[0]
    print("\ntop-5 classes (seeded image 0; random weights, so the classes are arbitrary):")
    for rank, c in enumerate(top5(logits), 1):
        print(f"  {rank}. class {c:4d}   logit {logits[c]:+.3f}")

    print(f"\nagreement with ONNX Runtime over {args.images} seeded images (same model files):")
    header = f"  {'model':<28} {'identical logits':>17} {'same top-5 set':>15} {'top-5 overlap':>14} {'same top-1':>11}"
    print(header)
    rows = agreement(models, args.images)
    for variant, identical, equal, overlap, top1 in rows:
        print(f"  {variant:<28} {identical:16.1%} {equal:15.0%} {overlap:14.0%} {top1:11.0%}")

    nodes = ort_parity.node_by_node(model, mk.path(mk.MAIN_VARIANT), {"input": x})
    differing = [r for r in nodes if r.differ]
    total = sum(r.elements for r in nodes)
    print(f"\nnode by node on {mk.MAIN_VARIANT} (image 0, ONNX Runtime's own intermediates as "
          f"inputs): {len(nodes) - len(differing)} of {len(nodes)} steps identical; "
          f"{sum(r.differ for r in nodes)} of {total} elements differ: "
          f"{sum(r.saturated for r in nodes)} reproduced by ONNX Runtime's int16 saturation "
          f"(u8s8 vpmaddubsw on AVX2), {sum(r.float_arithmetic for r in nodes)} by its float "
          f"arithmetic, {sum(r.unexplained for r in nodes)} unexplained")
    unexplained = [r for r in nodes if r.unexplained]
    for r in unexplained:
        print(f"  UNEXPLAINED: {r}", file=sys.stderr)

    print(f"\nlatency, batch 1, {args.runs} runs per configuration after warm-up (ms):")
    times = latency(model, max(args.runs, 50))
    table = []
    print(f"  {'runtime':<14} {'model':<28} {'threads':>7} {'median':>8} {'min':>8}")
    for (runtime, variant, threads), ns in times.items():
        row = dict(runtime=runtime, model=variant, threads=threads, runs=len(ns),
                   median_ms=float(np.median(ns)) / 1e6, min_ms=float(np.min(ns)) / 1e6)
        table.append(row)
        print(f"  {runtime:<14} {variant:<28} {threads:7d} {row['median_ms']:8.2f} {row['min_ms']:8.2f}")

    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "mobilenet_v2.json"), "w") as f:
        json.dump(dict(latency=table, agreement=[dict(zip(
            ("model", "identical", "top5_equal", "top5_overlap", "top1_equal"), r)) for r in rows],
            nodes=[r._asdict() for r in nodes], cpu=qs.cpu_features(),
            date=time.strftime("%Y-%m-%d %H:%M:%S")), f, indent=1)
    png = os.path.join(RESULTS, "mobilenet_v2_latency.png")
    chart(table, png)
    print(f"\nwrote {os.path.relpath(png)} and mobilenet_v2.json")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
