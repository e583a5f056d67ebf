"""Native replay of a model's library calls (python/qnnpack_swift/_replay.c): the second
call with inputs of given shapes records the calls, later ones replay them in C. Replayed
runs equal the §3 interpreter on new inputs, at every thread count (concurrent calls, which
replay too: test_onnx_model.py); what cannot be
replayed (NumPy steps, memory no recorded call wrote, calls that are not recorded, feeds
that do not fit) runs through the Python layer instead; the Recording type refuses misuse."""
import threading

import numpy as np
import pytest

import _onnx_reference
from _memory import assert_flat
from _onnx_models import MS, Graph, image, load_qs, output_scale, weight_params
from _support import assert_same

U8, I8 = np.uint8, np.int8


def network(seed):
    """quantize → conv 3×3 → depthwise → add (residual) → global pool → gemm → dequantize,
    with a constant operand added to the pool: every kind of call a CNN makes."""
    g = Graph(seed, "replay")
    x = g.input("x", np.float32, [2, 3, 9, 7])
    x_q, x_scale = g.input_q()
    xq = g.node("QuantizeLinear", [x, *x_q])
    w, ws, wz, w_scale = weight_params(g, (8, 3, 3, 3), I8, True)
    y_scale = output_scale(x_scale, w_scale, 27)
    y_q = g.q(y_scale, 128)
    y = g.node("QLinearConv", [xq, *x_q, w, ws, wz, *y_q], pads=[1, 1, 1, 1])
    dw, dws, dwz, dw_scale = weight_params(g, (8, 1, 3, 3), I8, False)
    d_q = g.q(output_scale(y_scale, dw_scale, 9), 128)
    d = g.node("QLinearConv", [y, *y_q, dw, dws, dwz, *d_q], pads=[1, 1, 1, 1], group=8)
    s_q, _ = g.random_q()
    s = g.node("QLinearAdd", [y, *y_q, d, *d_q, *s_q], domain=MS)
    p = g.node("QLinearGlobalAveragePool", [s, *s_q, *s_q], domain=MS)
    c = g.const("c", g.rng.integers(0, 256, (1, 8, 1, 1)).astype(U8))
    p2 = g.node("QLinearAdd", [p, *s_q, c, *g.q(0.02, 100), *s_q], domain=MS)
    f = g.node("Flatten", [p2])
    fw, fws, fwz, _ = weight_params(g, (5, 8), I8, False, transpose=True)
    z_q, _ = g.random_q()
    z = g.node("QGemm", [f, *s_q, fw, fws, fwz, g.const("b", np.zeros(5, np.int32)), *z_q],
               domain=MS)
    g.output(g.node("DequantizeLinear", [z, *z_q]), np.float32)
    g.output(s, U8)
    return g


def feeds(g, count):
    return [{"x": image(g, (2, 3, 9, 7))} for _ in range(count)]


def replays(m):
    return [r for r in m._replays.values() if type(r) is tuple]


@pytest.mark.parametrize("threads", [1, 2])
def test_replayed_runs_equal_the_interpreter_on_new_inputs(threads):
    qs = load_qs()
    g = network(1)
    model = g.model()
    m = qs.onnx.load(model)
    previous = qs.get_num_threads()
    qs.set_num_threads(threads)
    try:
        inputs = feeds(g, 6)
        for k, x in enumerate(inputs):
            before = x["x"].copy()
            got = m(**x)
            for a, e in zip(got, _onnx_reference.run(model, **x)):
                assert_same(a, np.ascontiguousarray(e))
            assert np.array_equal(x["x"], before)
            assert len(replays(m)) == (1 if k >= 1 else 0)
        recording = replays(m)[0][0]
        assert recording.calls == 9  # 1 quantize, 1 layout, 2 conv, 2 add, pool, gemm, dequantize
        assert "native replay for inputs float32 [2, 3, 9, 7]: 9 library calls" in m.summary()
        # Outputs are fresh: a replay does not write into what an earlier one returned.
        y1, s1 = m(**inputs[0])
        keep = y1.copy(), s1.copy()
        m(**inputs[1])
        assert np.array_equal(y1, keep[0]) and np.array_equal(s1, keep[1])
    finally:
        qs.set_num_threads(previous)


def test_feeds_that_do_not_fit_take_the_python_layer():
    qs = load_qs()
    g = network(2)
    model = g.model()
    m = qs.onnx.load(model)
    x = feeds(g, 1)[0]["x"]
    m(x), m(x)
    assert len(replays(m)) == 1
    for other in (np.asfortranarray(image(g, (2, 3, 9, 7))),   # not C-contiguous
                  image(g, (2, 3, 9, 7))[:, :, ::-1]):           # negative strides
        for _ in range(3):
            got = m(other)
            for a, e in zip(got, _onnx_reference.run(model, x=np.ascontiguousarray(other))):
                assert_same(a, np.ascontiguousarray(e))


def test_models_with_numpy_steps_are_not_replayed():
    g = Graph(3, "numpy-step")
    x = g.input("x", np.float32, [2, 6])
    q = g.node("QuantizeLinear", [x, *g.input_q()[0]])
    dq = g.node("DequantizeLinear", [q, *g.q(0.05, 3)])
    g.output(g.node("Relu", [dq]), np.float32)  # a float Relu runs on NumPy
    m = load_qs().onnx.load(g.model())
    for _ in range(4):
        a = g.rng.normal(0, 2, (2, 6)).astype(np.float32)
        assert_same(m(a), np.ascontiguousarray(_onnx_reference.run(g.model(), x=a)[0]))
    assert not m._replays and "native replay: no (NumPy steps)" in m.summary()


# ---- the Recording type on its own ----------------------------------------------------------

def _native():
    from qnnpack_swift import _native  # noqa: PLC0415
    return _native


def quantize_then_clamp(native, x, q, y):
    one, zero = np.ones(1, np.float32), np.zeros(1, np.int32)
    native.quantize(x, q, 1, 1, x.size, one, zero)
    native.clamp(q, y, 10, 200)


def recorded(native, x, q, y):
    r = native.Recording()
    native.record(r)
    try:
        quantize_then_clamp(native, x, q, y)
    finally:
        native.record(None)
    return r


def test_recording_replays_on_new_feeds():
    native = _native()
    rng = np.random.default_rng(0)
    x = rng.uniform(-50, 300, 1000).astype(np.float32)
    q, y = np.empty(1000, U8), np.empty(1000, U8)
    r = recorded(native, x, q, y)
    assert r.calls == 2 and r.finish([x], [y]) is None
    for _ in range(3):
        x2 = rng.uniform(-50, 300, 1000).astype(np.float32)
        assert r.replay([x2]) is True
        assert np.array_equal(y, np.clip(np.clip(np.round(x2), 0, 255), 10, 200).astype(U8))
    assert r.replay([x2[:999].copy()]) is False   # another shape
    assert r.replay([x2.astype(np.float64)]) is False  # another dtype
    assert r.replay([q.view(np.float32)[:250]]) is False  # not 1000 elements either
    assert r.replay([x2, x2]) is False             # another count
    # Feeds must not overlap what the calls write.
    buffer = np.empty(8000, U8)
    r2 = recorded(native, x, buffer[:1000], buffer[1000:2000])
    assert r2.finish([x], [buffer[1000:2000]]) is None
    assert r2.replay([buffer.view(np.float32)[:1000]]) is False
    assert r2.replay([buffer.view(np.float32)[1000:]]) is True


def test_recordings_that_cannot_be_replayed_say_why():
    native = _native()
    x = np.linspace(0, 255, 64, dtype=np.float32)
    q, y = np.empty(64, U8), np.empty(64, U8)
    # The clamp reads memory no recorded call wrote (the quantize ran before recording).
    native.quantize(x, q, 1, 1, 64, np.ones(1, np.float32), np.zeros(1, np.int32))
    r = native.Recording()
    native.record(r)
    native.clamp(q, y, 0, 100)
    native.record(None)
    assert "reads memory that no recorded call wrote" in r.finish([x], [y])
    # An output no call wrote.
    assert "output 0 is not written" in recorded(native, x, q, y).finish([x], [x])
    # A call that is not recorded (concatenate).
    r = native.Recording()
    native.record(r)
    native.concatenate([q, q], np.empty(128, U8), 1, np.ones(2, np.float32),
                       np.zeros(2, np.int32), 1.0, 0, 0, 255)
    native.record(None)
    assert "not recorded" in r.finish([], [])
    assert "no library calls" in native.Recording().finish([], [])
    # A call that writes into a feed.
    assert "call 1 (clamp) writes into input 1" in recorded(native, x, q, y).finish([x, y], [y])


def test_recording_misuse_raises():
    native = _native()
    x = np.zeros(8, np.float32)
    q, y = np.empty(8, U8), np.empty(8, U8)
    r = recorded(native, x, q, y)
    with pytest.raises(RuntimeError, match="not finished"):
        r.replay([x])
    assert r.finish([x], [y]) is None
    with pytest.raises(RuntimeError, match="already finished"):
        r.finish([x], [y])
    with pytest.raises(RuntimeError, match="already finished"):
        native.record(r)
    with pytest.raises(TypeError):
        native.record(object())
    with pytest.raises(TypeError):
        native.Recording(1)
    with pytest.raises(TypeError):
        r.replay(x)
    # A recording refused by finish() stays refused.
    refused = recorded(native, x, q, y)
    assert refused.finish([x], [x]) is not None
    with pytest.raises(RuntimeError, match="cannot be replayed"):
        refused.replay([x])
    with pytest.raises(RuntimeError, match="already finished"):
        refused.finish([x], [y])


def test_only_the_recording_thread_is_recorded():
    native = _native()
    x = np.zeros(8, np.float32)
    q, y = np.empty(8, U8), np.empty(8, U8)
    r = native.Recording()
    native.record(r)
    try:
        other = threading.Thread(target=quantize_then_clamp, args=(native, x, q.copy(), y.copy()))
        other.start()
        other.join()
        quantize_then_clamp(native, x, q, y)
    finally:
        native.record(None)
    assert r.calls == 2


def test_recordings_and_replays_do_not_leak():
    native = _native()
    g = network(5)
    m = load_qs().onnx.load(g.model())
    x = feeds(g, 1)[0]["x"]
    m(x), m(x)
    assert_flat(lambda: m(x), cycles=2000, warmup=200)
    f, q, y = np.zeros(256, np.float32), np.empty(256, U8), np.empty(256, U8)

    def cycle():
        r = recorded(native, f, q, y)
        r.finish([f], [y])
        r.replay([f])

    assert_flat(cycle, cycles=5000, warmup=500)
