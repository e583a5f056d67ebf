"""qs.onnx: data movement (exact, on quantized and float tensors): Transpose relabels the
layout without moving data, Reshape / Flatten / Squeeze / Unsqueeze run in NumPy in ONNX
order, Identity passes through; QDQ groups around them (and MaxPool) run on the
quantized values when Q repeats DQ's parameters. Against the §3 interpreter."""
import numpy as np
import pytest

from _onnx_models import Graph, check, image, output_scale, weight_params

U8, I8 = np.uint8, np.int8


def conv(g, x, x_q, x_scale, c_in, c_out):
    wn, ws, wz, w_scale = weight_params(g, (c_out, c_in, 1, 1), I8, True)
    y_q = g.q(output_scale(x_scale, w_scale, c_in), 128)
    return g.node("QLinearConv", [x, *x_q, wn, ws, wz, *y_q]), y_q


def test_nhwc_model_transposes_are_relabellings(threads):
    """A TensorFlow-style model: NHWC input, Transpose to NCHW, conv, Transpose back.
    The data is never moved: both transposes only change the recorded layout."""
    g = Graph(0, "nhwc-model")
    x = g.input("x", np.float32, [2, 6, 7, 3])
    x_q, x_scale = g.input_q()
    xq = g.node("QuantizeLinear", [x, *x_q])
    t = g.node("Transpose", [xq], perm=[0, 3, 1, 2])
    y, _ = conv(g, t, x_q, x_scale, 3, 8)
    y = g.node("Transpose", [y], perm=[0, 2, 3, 1])
    g.output(y, U8)
    m = check(g.model(), {"x": image(g, (2, 6, 7, 3))})
    assert all(s.transposes == () for s in m.steps), m.summary()
    assert "returned" not in m.summary()  # the output needs no transpose either


@pytest.mark.parametrize("case", ["reshape", "reshape-allowzero", "flatten", "flatten-0",
                                  "flatten-neg", "squeeze", "unsqueeze", "identity",
                                  "transpose"])
@pytest.mark.parametrize("where", ["quantized", "float", "qdq"])
def test_data_movement(case, where):
    g = Graph(0, f"shape-{case}")
    x = g.input("x", np.float32, [2, 4, 3, 1])
    x_q, x_scale = g.input_q()
    xq = g.node("QuantizeLinear", [x, *x_q])
    y, y_q = conv(g, xq, x_q, x_scale, 4, 6)  # stored NHWC: movement reads ONNX order
    src = g.node("DequantizeLinear", [y, *y_q]) if where != "quantized" else y
    op, inputs, attrs = {
        "reshape": ("Reshape", [g.const("shape", np.array([0, -1, 3], np.int64))], {}),
        "reshape-allowzero": ("Reshape", [g.const("shape", np.array([2, 18], np.int64))],
                              {"allowzero": 1}),
        "flatten": ("Flatten", [], {}),
        "flatten-0": ("Flatten", [], {"axis": 0}),
        "flatten-neg": ("Flatten", [], {"axis": -2}),
        "squeeze": ("Squeeze", [g.const("axes", np.array([-1], np.int64))], {}),
        "unsqueeze": ("Unsqueeze", [g.const("axes", np.array([1, -1], np.int64))], {}),
        "identity": ("Identity", [], {}),
        "transpose": ("Transpose", [], {"perm": [3, 1, 0, 2]}),
    }[case]
    out = g.node(op, [src, *inputs], **attrs)
    if where == "qdq":
        out = g.node("QuantizeLinear", [out, *y_q])
    g.output(out, np.float32 if where == "float" else U8)
    m = check(g.model(opset=14), {"x": image(g, (2, 4, 3, 1))})
    if where == "qdq":  # the group runs on the quantized values: no DQ / Q steps
        assert [s.op_type for s in m.steps] == ["QuantizeLinear", "QLinearConv", op]


def test_opset_11_squeeze_unsqueeze_attributes():
    g = Graph(0, "opset11")
    x = g.input("x", U8, [1, 3, 1, 4])
    y = g.node("Unsqueeze", [g.node("Squeeze", [x], axes=[0, 2])], axes=[0])
    g.output(y, U8)
    check(g.model(opset=11), {"x": image(g, (1, 3, 1, 4), U8)}, expect_informative=False)


def test_qdq_max_pool_with_other_parameters_stays_float():
    """Q with parameters other than DQ's: the group is not fused, and float MaxPool has no
    mapping — a clear error rather than a silent requantization."""
    g = Graph(0, "maxpool-params")
    x = g.input("x", U8, [1, 2, 4, 4])
    q1, q2 = g.q(0.1, 10), g.q(0.2, 10)
    y = g.node("MaxPool", [g.node("DequantizeLinear", [x, *q1])], kernel_shape=[2, 2], name="mp")
    g.output(g.node("QuantizeLinear", [y, *q2]), U8)
    import qnnpack_swift as qs
    with pytest.raises(NotImplementedError, match=r"'mp' \(MaxPool\).*float32"):
        qs.onnx.load(g.model().SerializeToString())
