"""qs.onnx: activations. Relu / Clip on quantized tensors (qs.clamp, or fused — see the
conv, matmul and pooling tests) and on float tensors (NumPy, exact); the com.microsoft
lookup-table operators QLinearSigmoid / QLinearLeakyRelu / QLinearSoftmax and their QDQ
groups → qs.sigmoid / qs.leaky_relu / qs.softmax (compared with those functions called
directly, and within 1 LSB of the reference, as API.md §3 allows for them)."""
import numpy as np
import pytest

from _onnx_models import MS, Graph, check, image, load_qs
from _support import assert_same, ref

U8, I8 = np.uint8, np.int8
LUT = {"QLinearSigmoid": ("sigmoid", "Sigmoid"), "QLinearLeakyRelu": ("leaky_relu", "LeakyRelu"),
       "QLinearSoftmax": ("softmax", "Softmax")}


@pytest.mark.parametrize("dtype", [U8, I8])
@pytest.mark.parametrize("op", ["Relu", "Clip"])
def test_quantized_relu_clip_standalone(op, dtype):
    """After QuantizeLinear nothing requantizes: a qs.clamp step of the raw integers."""
    g = Graph(0, f"clamp-{op}")
    x = g.input("x", np.float32, [2, 3, 4, 5])
    x_q, _ = g.input_q(dtype)
    xq = g.node("QuantizeLinear", [x, *x_q])
    qmin, qmax = (0, 255) if dtype == U8 else (-128, 127)
    if op == "Relu":
        y = g.node("Relu", [xq])
    else:
        y = g.node("Clip", [xq, g.const("lo", np.asarray(qmin + 30, dtype)),
                            g.const("hi", np.asarray(qmax - 40, dtype))])
    g.output(y, dtype)
    m = check(g.model(), {"x": image(g, (2, 3, 4, 5))})
    assert m.steps[-1].runs.startswith("qs.clamp")


@pytest.mark.parametrize("op", ["Relu", "Clip"])
def test_float_relu_clip_run_in_numpy(op):
    g = Graph(1, f"float-{op}")
    x = g.input("x", U8, [1, 4, 3, 3])
    x_q, _ = g.random_q()
    y = g.node("DequantizeLinear", [x, *x_q])
    if op == "Relu":
        y = g.node("Relu", [y])
    else:
        y = g.node("Clip", [y, g.const("lo", np.float32(-0.3)), g.const("hi", np.float32(0.7))])
    g.output(y, np.float32)
    m = check(g.model(), {"x": image(g, (1, 4, 3, 3), U8)})
    assert m.steps[-1].runs.startswith("NumPy clip") and "NumPy fallback" in m.summary()


def lut_model(seed, op, qdq):
    g = Graph(seed, f"lut-{op}")
    rng = g.rng
    act = U8 if rng.random() < 0.6 else I8
    shape = [2, 6, 3, 4]
    x = g.input("x", np.float32, shape)
    x_q, x_scale = g.input_q(act)
    xq = g.node("QuantizeLinear", [x, *x_q])
    qmin = (0, -128)[act == I8]
    y_scale = {"QLinearSigmoid": 1 / 256, "QLinearSoftmax": 1 / 256}.get(op, x_scale)
    y_zp = qmin if op != "QLinearLeakyRelu" else qmin + 40
    y_q = g.q(y_scale, y_zp, act)
    attrs = {"QLinearLeakyRelu": {"alpha": 0.1}, "QLinearSoftmax": {"axis": 1}}.get(op, {})
    if not qdq:
        if op == "QLinearSoftmax":
            attrs["opset"] = 13
        y = g.node(op, [xq, *x_q, *y_q], domain=MS, **attrs)
    else:
        y = g.node(LUT[op][1], [g.node("DequantizeLinear", [xq, *x_q])], **attrs)
        y = g.node("QuantizeLinear", [y, *y_q])
    g.output(y, act)
    params = dict(input_scale=x_scale, input_zero_point=int(g.value(x_q[1])),
                  output_scale=y_scale, output_zero_point=y_zp)
    return g.model(), {"x": image(g, shape)}, xq, params, attrs


@pytest.mark.parametrize("qdq", [False, True])
@pytest.mark.parametrize("op", list(LUT))
def test_lookup_table_operators(op, qdq):
    qs = load_qs()
    name = LUT[op][0]
    model, feeds, _, params, attrs = lut_model(0, op, qdq)
    m = qs.onnx.load(model.SerializeToString())
    got = m(**feeds)
    x_q = qs.quantize(feeds["x"], params["input_scale"], params["input_zero_point"], got.dtype)
    extra = {"negative_slope": 0.1} if name == "leaky_relu" else {"axis": 1} if name == "softmax" else {}
    assert_same(got, getattr(qs, name)(x_q, **extra, **params))
    reference = getattr(ref, name, None)
    if reference is not None:
        diff = got.astype(int) - reference(x_q, **extra, **params).astype(int)
        assert np.abs(diff).max() <= 1
