"""The quantized MobileNetV2 of benchmarks/make_mobilenet_v2.py (made here if absent, in
its git-ignored folder): bit-identical to the §3 interpreter in all four variants, and
node by node against ONNX Runtime — fed with ONNX Runtime's own intermediates, every step's
output equals ONNX Runtime's except elements that emulating ONNX Runtime's own arithmetic
reproduces (u8s8 int16 saturation on AVX2, QLinearAdd's float expression)."""
import onnx
import pytest

import _onnx_reference
from _onnx_models import load_benchmark, load_qs
from _support import assert_same

pytest.importorskip("onnxruntime")
mk = load_benchmark("make_mobilenet_v2")
VARIANTS = list(mk.VARIANTS)


@pytest.fixture(scope="module")
def models():
    mk.ensure_models(log=lambda *_: None)
    return {v: load_qs().onnx.load(mk.path(v)) for v in VARIANTS}


@pytest.mark.parametrize("variant", VARIANTS)
def test_matches_the_reference_interpreter(models, variant):
    proto = onnx.load(mk.path(variant))
    m = models[variant]
    assert all(not s.runs.startswith("NumPy") or s.op_type == "Flatten" for s in m.steps)
    assert sum(s.runs.startswith("qs.Conv2d") for s in m.steps) == 52
    for seed in (0, 1):
        x = mk.images(seed=seed, count=1)
        assert_same(m(x), _onnx_reference.run(proto, input=x)[0])


@pytest.mark.parametrize("variant", ["qoperator_u8s8_per_channel", "qdq_u8u8_per_tensor"])
def test_node_by_node_against_onnxruntime(models, variant):
    parity = load_benchmark("ort_parity")
    results = parity.node_by_node(models[variant], mk.path(variant),
                                  {"input": mk.images(seed=7, count=1)})
    assert len(results) == len(models[variant].steps)
    unexplained = [r for r in results if r.unexplained]
    assert not unexplained, unexplained
    saturated = sum(r.saturated for r in results)
    features = load_qs().cpu_features()
    if "u8u8" in variant:  # uint8 weights: no vpmaddubsw, nothing saturates
        assert saturated == 0
    elif not (features["avx512vnni"] or features["avxvnni"]):
        assert saturated > 0  # int8 weights on AVX2 without VNNI: ONNX Runtime saturates


def test_buffers_are_reused_between_calls(models):
    """The first call allocates every step's output; later calls write into the same
    buffers and allocate only the input's layout conversion and the returned copy."""
    import tracemalloc
    m = load_qs().onnx.load(mk.path(mk.MAIN_VARIANT))  # not run yet
    x = mk.images(seed=3, count=1)
    tracemalloc.start()
    try:
        peaks = []
        for _ in range(3):
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            m(x)
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    first = peaks[0]
    assert first > 4_000_000  # MobileNetV2's activations at batch 1
    # what later calls allocate: the uint8 input transposed once, the logits returned
    assert max(peaks[1:]) < x.size + 64_000, peaks
