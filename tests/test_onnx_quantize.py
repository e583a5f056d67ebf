"""qs.onnx: QuantizeLinear / DequantizeLinear left standalone → qs.quantize /
qs.dequantize, per tensor and per axis (the axis follows the stored layout), an absent
zero point, constant folding of Q(constant), and int32 DequantizeLinear in NumPy."""
import numpy as np
import pytest

from _onnx_models import Graph, check, image, output_scale, weight_params

U8, I8 = np.uint8, np.int8


@pytest.mark.parametrize("dtype", [U8, I8])
@pytest.mark.parametrize("after_conv", [False, True])
def test_per_axis_quantize_dequantize(dtype, after_conv, threads):
    g = Graph(0, "per-axis")
    c = 5
    x = g.input("x", np.float32, [2, c, 3, 4])
    x_q, x_scale = g.input_q(dtype)
    t = g.node("QuantizeLinear", [x, *x_q])
    if after_conv:  # the tensor is stored NHWC: axis 1 is the last stored axis
        wn, ws, wz, w_scale = weight_params(g, (c, c, 1, 1), I8, True)
        y_q = g.q(output_scale(x_scale, w_scale, c), 0 if dtype == I8 else 128, dtype)
        t = g.node("QLinearConv", [t, *x_q, wn, ws, wz, *y_q])
        t = g.node("DequantizeLinear", [t, *y_q])
    else:
        t = g.node("DequantizeLinear", [t, *x_q])
    scales = g.const("s", np.linspace(0.01, 0.05, c).astype(np.float32))
    zps = g.const("z", np.arange(c).astype(dtype))
    q = g.node("QuantizeLinear", [t, scales, zps], axis=1)
    g.output(q, dtype)
    g.output(g.node("DequantizeLinear", [q, scales, zps], axis=1), np.float32)
    m = check(g.model(), {"x": image(g, (2, c, 3, 4))}, expect_informative=False)
    assert "per axis" in m.summary()


def test_absent_zero_points_and_constant_folding():
    g = Graph(0, "no-zp")
    x = g.input("x", np.float32, [3, 4])
    s = g.const("s", np.float32(0.02))
    q = g.node("QuantizeLinear", [x, s])  # uint8, zero point 0
    w = g.node("QuantizeLinear", [g.const("w", np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)), s,
                                  g.const("zw", np.int8(0))])  # folded at load
    a = g.node("DequantizeLinear", [q, s])
    b = g.node("DequantizeLinear", [w, s])
    g.output(a, np.float32)
    g.output(b, np.float32)
    m = check(g.model(), {"x": np.abs(image(g, (3, 4)))}, expect_informative=False)
    assert [st.op_type for st in m.steps] == ["QuantizeLinear", "DequantizeLinear"]


def test_int32_dequantize_runs_in_numpy():
    g = Graph(0, "int32")
    x = g.input("x", np.int32, [7])
    y = g.node("DequantizeLinear", [x, g.const("s", np.float32(0.003)), g.const("z", np.int32(5))])
    g.output(y, np.float32)
    m = check(g.model(), {"x": np.array([-2**31, -7, 0, 5, 6, 10**6, 2**31 - 1], np.int32)})
    assert m.steps[0].runs.startswith("NumPy int32 dequantize")
