"""qs.onnx: the Model object — loading from a path, bytes or a ModelProto, outputs that are
fresh arrays, buffers reused between calls, inputs never written, several outputs,
concurrent calls, the summary; `import qnnpack_swift` does not import onnx; models made by
onnxruntime.quantization (both formats, from one float model) run on the same operators
and match the §3 interpreter."""
import subprocess
import sys
import threading

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from _onnx_models import MS, Graph, check, image, load_qs, output_scale, weight_params

U8, I8 = np.uint8, np.int8


def two_output_model():
    g = Graph(0, "two-outputs")
    x = g.input("x", np.float32, [1, 3, 6, 6])
    x_q, x_scale = g.input_q()
    xq = g.node("QuantizeLinear", [x, *x_q])
    w, ws, wz, w_scale = weight_params(g, (8, 3, 3, 3), I8, True)
    y_q = g.q(output_scale(x_scale, w_scale, 27), 128)
    y = g.node("QLinearConv", [xq, *x_q, w, ws, wz, *y_q], pads=[1, 1, 1, 1], name="conv")
    p = g.node("QLinearGlobalAveragePool", [y, *y_q, *y_q], domain=MS, name="pool")
    g.output(y, U8)
    g.output(g.node("DequantizeLinear", [p, *y_q], name="dq"), np.float32)
    return g


def test_sources_give_the_same_model(tmp_path):
    g = two_output_model()
    model = g.model()
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    x = image(g, (1, 3, 6, 6))
    qs = load_qs()
    results = [qs.onnx.load(src)(x) for src in (str(path), path, model.SerializeToString(), model)]
    for y, p in results[1:]:
        assert np.array_equal(y, results[0][0]) and np.array_equal(p, results[0][1])


def test_outputs_are_fresh_and_inputs_untouched():
    g = two_output_model()
    m = check(g.model(), {"x": image(g, (1, 3, 6, 6))})
    x1, x2 = image(g, (1, 3, 6, 6)), image(g, (1, 3, 6, 6))
    y1, p1 = m(x1)
    keep = y1.copy(), p1.copy()
    y2, _ = m(x2)
    assert not np.shares_memory(y1, y2)
    assert np.array_equal(y1, keep[0]) and np.array_equal(p1, keep[1])  # not overwritten
    assert y1.flags.c_contiguous and y1.shape == (1, 8, 6, 6) and p1.shape == (1, 8, 1, 1)
    x_read_only = image(g, (1, 3, 6, 6))
    x_read_only.flags.writeable = False
    m(x_read_only)
    m(np.asfortranarray(x1))  # any memory layout


def test_concurrent_calls_take_turns():
    g = two_output_model()
    qs = load_qs()
    m = qs.onnx.load(g.model().SerializeToString())
    inputs = [image(g, (1, 3, 6, 6)) for _ in range(4)]
    expected = [m(x)[0] for x in inputs]
    assert "native replay for inputs float32 [1, 3, 6, 6]: 5 library calls" in m.summary()
    errors = []

    def work(k):
        for _ in range(20):
            if not np.array_equal(m(inputs[k])[0], expected[k]):
                errors.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_summary_and_steps():
    m = load_qs().onnx.load(two_output_model().model().SerializeToString())
    text = m.summary()
    for expected in ("qs.quantize", "qs.Conv2d 3x3 pad 1 3->8 (int8 per-channel weights)",
                     "qs.global_avg_pool2d", "qs.dequantize", "NCHW → NHWC: transposed once per run",
                     "NHWC → ONNX layout (only size-1 axes move, no copy)",
                     "inputs:  x: float32[1, 3, 6, 6]"):
        assert expected in text, text
    assert [s.name for s in m.steps][1:] == ["conv", "pool", "dq"]
    assert "QLinearConv" in load_qs().onnx.SUPPORTED_OPS and "QGemm" in load_qs().onnx.SUPPORTED_OPS


def test_import_does_not_need_onnx():
    code = ("import sys, qnnpack_swift as qs; assert 'onnx' not in sys.modules, 'onnx imported'; "
            "assert callable(qs.onnx.load)")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- models made by onnxruntime.quantization -------------------------------------------------
def float_model():
    """Conv-ReLU → Conv (+ residual Add) → MaxPool → AveragePool → GlobalAveragePool →
    Flatten → Gemm, float, batch-norm-free, seeded."""
    rng = np.random.default_rng(7)
    init = lambda name, shape, s=0.3: helper.make_tensor(  # noqa: E731
        name, TensorProto.FLOAT, shape, rng.normal(0, s, shape).astype(np.float32).ravel())
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1], group=8),
        helper.make_node("Add", ["c2", "r1"], ["a"]),
        helper.make_node("MaxPool", ["a"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("AveragePool", ["m"], ["ap"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["ap"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        [init("w1", [8, 3, 3, 3]), init("b1", [8], 0.1), init("w2", [8, 1, 3, 3]),
         init("b2", [8], 0.1), init("wf", [10, 8]), init("bf", [10], 0.1)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


@pytest.fixture(scope="module")
def ort_quantized(tmp_path_factory):
    quantization = pytest.importorskip("onnxruntime.quantization")
    folder = tmp_path_factory.mktemp("ort")
    onnx.save(float_model(), folder / "float.onnx")
    rng = np.random.default_rng(3)
    samples = [{"x": rng.normal(0, 1, (1, 3, 16, 16)).astype(np.float32)} for _ in range(8)]
    paths = {}
    for fmt in ("QOperator", "QDQ"):
        for weights, per_channel in (("QInt8", True), ("QUInt8", False)):
            reader = iter(samples)
            name = f"{fmt}-{weights}-{per_channel}"

            class Reader(quantization.CalibrationDataReader):
                def get_next(self, reader=reader):
                    return next(reader, None)

            quantization.quantize_static(
                str(folder / "float.onnx"), str(folder / f"{name}.onnx"), Reader(),
                quant_format=getattr(quantization.QuantFormat, fmt), per_channel=per_channel,
                activation_type=quantization.QuantType.QUInt8,
                weight_type=getattr(quantization.QuantType, weights))
            paths[name] = folder / f"{name}.onnx"
    return paths


@pytest.mark.parametrize("weights", ["QInt8-True", "QUInt8-False"])
def test_onnxruntime_models_match_the_interpreter(ort_quantized, weights, threads):
    rng = np.random.default_rng(11)
    x = rng.normal(0, 1, (1, 3, 16, 16)).astype(np.float32)
    plans = []
    for fmt in ("QOperator", "QDQ"):
        model = onnx.load(ort_quantized[f"{fmt}-{weights}"])
        m = check(model, {"x": x}, expect_informative=False)
        # everything runs on qs operators but Flatten (NumPy, on the quantized values)
        assert [s.op_type for s in m.steps if "NumPy" in s.runs] == ["Flatten"], m.summary()
        plans.append([s.op_type for s in m.steps])
    # the QDQ groups became the QOperator nodes. (The outputs may differ: onnxruntime gives
    # AveragePool's output its own parameters in QOperator, its input's in QDQ.)
    assert plans[0] == plans[1]


@pytest.mark.parametrize("name", ["QOperator-QInt8-True", "QOperator-QUInt8-False",
                                  "QDQ-QInt8-True", "QDQ-QUInt8-False"])
def test_onnxruntime_models_node_by_node(ort_quantized, name):
    """Fed with ONNX Runtime's own intermediates, every step gives ONNX Runtime's output
    but where emulating its arithmetic (int16 saturation, QLinearAdd) reproduces the
    difference."""
    from _onnx_models import load_benchmark
    parity = load_benchmark("ort_parity")
    m = load_qs().onnx.load(str(ort_quantized[name]))
    x = np.random.default_rng(5).normal(0, 1, (1, 3, 16, 16)).astype(np.float32)
    results = parity.node_by_node(m, str(ort_quantized[name]), {"x": x})
    assert not [r for r in results if r.unexplained], results


@pytest.mark.parametrize("dtype", [U8, I8, np.float32])
def test_layout_conversion_is_numpys_transpose(dtype):
    """`_layout.convert` (a channel shuffle for few quantized channels moving last, per-channel
    copies or NumPy otherwise) gives `a.transpose(axes)` as a C-contiguous array, every
    permutation."""
    import itertools

    from qnnpack_swift.onnx import _layout
    rng = np.random.default_rng(5)
    for shape in [(1, 3, 24, 24), (2, 3, 5, 7), (1, 16, 3, 3), (1, 17, 4, 4), (1, 2, 1, 5), (3, 4, 5),
                  (2, 3), (2, 1, 3, 3, 2)]:
        a = rng.integers(-128, 128, shape).astype(dtype)
        for axes in itertools.permutations(range(len(shape))):
            got = _layout.convert(a, axes)
            assert got.flags.c_contiguous
            np.testing.assert_array_equal(got, a.transpose(axes), err_msg=f"{shape} {axes}")
    a = rng.integers(0, 100, (2, 6, 4, 4)).astype(dtype)[:, ::2]   # not contiguous
    np.testing.assert_array_equal(_layout.convert(a, (0, 2, 3, 1)), a.transpose(0, 2, 3, 1))
