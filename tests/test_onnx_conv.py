"""qs.onnx: QLinearConv and the QDQ Conv group → qs.Conv2d, against the §3 interpreter.

Seeded random cases cover uint8 / int8 activations, int8 / uint8 weights, per-tensor and
per-channel weights, groups (1, depthwise, grouped), kernels, strides, asymmetric pads,
dilation, auto_pad, bias, fused Relu / Clip, both formats and batch sizes 1 and 2.
"""
import numpy as np
import pytest

from _onnx_models import Graph, check, image, int32_bias, output_scale, weight_params

U8, I8 = np.uint8, np.int8


def conv_model(seed):
    """(model, feeds, description) of one random convolution case."""
    g = Graph(seed, "conv")
    rng = g.rng
    act = U8 if rng.random() < 0.7 else I8
    wdt = I8 if act == I8 or rng.random() < 0.6 else U8
    per_channel = bool(rng.random() < 0.6)
    kind = ["plain", "depthwise", "grouped"][int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
    c_in = int(rng.choice([3, 4, 8, 17]))
    if kind == "plain":
        groups, c_out = 1, int(rng.choice([1, 5, 16, 24]))
    elif kind == "depthwise":
        groups, c_out = c_in, c_in * int(rng.choice([1, 2]))
    else:
        c_in = 8
        groups, c_out = int(rng.choice([2, 4])), 8
    kh, kw = [(1, 1), (3, 3), (5, 5), (3, 1), (1, 3)][int(rng.integers(5))]
    stride = [int(rng.integers(1, 3)) for _ in range(2)]
    dilation = [1, 1] if rng.random() < 0.7 else [2, 2]
    pad_mode = rng.choice(["pads", "asym", "same", "valid"], p=[0.4, 0.25, 0.2, 0.15])
    attrs = dict(kernel_shape=[kh, kw], strides=stride, dilations=dilation, group=groups)
    if pad_mode == "pads":
        attrs["pads"] = [kh // 2, kw // 2] * 2
    elif pad_mode == "asym":
        attrs["pads"] = [int(v) for v in rng.integers(0, 3, 4)]
    elif pad_mode == "same":
        attrs["auto_pad"] = "SAME_UPPER"
    else:
        attrs["auto_pad"] = "VALID"
    n = int(rng.choice([1, 2]))
    h, w = int(rng.integers(9, 20)), int(rng.integers(9, 20))
    qdq = bool(rng.random() < 0.4)
    activation = rng.choice(["none", "relu", "clip"], p=[0.5, 0.25, 0.25])
    with_bias = bool(rng.random() < 0.8)

    x = g.input("x", np.float32, ["batch", c_in, h, w])
    x_q, x_scale = g.input_q(act)
    xq = g.node("QuantizeLinear", [x, *x_q])
    w_name, w_scale_name, w_zp_name, w_scale = weight_params(g, (c_out, c_in // groups, kh, kw),
                                                            wdt, per_channel)
    y_scale = output_scale(x_scale, w_scale, c_in // groups * kh * kw)
    qmin, qmax = (0, 255) if act == U8 else (-128, 127)
    y_q = g.q(y_scale, int(rng.integers(qmin + 60, qmax - 60)), act)
    bias = int32_bias(g, c_out) if with_bias else None
    if not qdq:
        y = g.node("QLinearConv", [xq, *x_q, w_name, w_scale_name, w_zp_name, *y_q]
                   + ([bias] if bias else []), **attrs)
        if activation == "relu":  # on a quantized tensor: max(y, 0) of the raw integers
            y = g.node("Relu", [y])
        elif activation == "clip":
            y = g.node("Clip", [y, g.const("min", np.asarray(qmin + 70, act)),
                                g.const("max", np.asarray(qmax - 50, act))])
    else:
        axis = {"axis": 0} if per_channel else {}
        inputs = [g.node("DequantizeLinear", [xq, *x_q]),
                  g.node("DequantizeLinear", [w_name, w_scale_name, w_zp_name], **axis)]
        if bias:
            b_scale = (np.float32(x_scale) * np.asarray(w_scale, np.float32)).astype(np.float32)
            inputs.append(g.node("DequantizeLinear", [bias, g.const("b_scale", b_scale),
                                                      g.const("b_zp", np.zeros(b_scale.shape, np.int32))],
                                 **axis))
        y = g.node("Conv", inputs, **attrs)
        if activation == "relu":
            y = g.node("Relu", [y])
        elif activation == "clip":
            y = g.node("Clip", [y, g.const("min", np.float32(-0.5 * y_scale * 20)),
                                g.const("max", np.float32(y_scale * 30))])
        y = g.node("QuantizeLinear", [y, *y_q])
    g.output(y, act)
    description = (f"{'QDQ' if qdq else 'QOp'} {np.dtype(act).name}/{np.dtype(wdt).name} "
                   f"{'per-channel' if per_channel else 'per-tensor'} {kind} g{groups} "
                   f"{c_in}->{c_out} {kh}x{kw} s{stride} d{dilation} {pad_mode} n{n} {activation}"
                   f"{' bias' if with_bias else ''}")
    return g.model(), {"x": image(g, (n, c_in, h, w))}, description


@pytest.mark.parametrize("seed", range(48))
def test_conv_matches_reference(seed, threads):
    model, feeds, description = conv_model(seed)
    m = check(model, feeds)
    runs = "\n".join(s.runs for s in m.steps)
    assert "qs.Conv2d" in runs, description
    # Relu / Clip are fused into the convolution, never a step of their own.
    assert "qs.clamp" not in runs and "NumPy" not in runs, m.summary()


def test_fused_clamp_is_in_the_summary():
    g = Graph(0, "conv-summary")
    x = g.input("x", np.float32, [1, 4, 8, 8])
    x_q, x_scale = g.input_q(U8)
    xq = g.node("QuantizeLinear", [x, *x_q])
    w, ws, wz, w_scale = weight_params(g, (8, 4, 3, 3), I8, True)
    y_q = g.q(output_scale(x_scale, w_scale, 36), 100)
    y = g.node("QLinearConv", [xq, *x_q, w, ws, wz, *y_q], name="conv", pads=[1, 1, 1, 1])
    y = g.node("Clip", [y, g.const("min", np.uint8(100)), g.const("max", np.uint8(200))],
               name="relu6")
    g.output(y, U8)
    m = check(g.model(), {"x": image(g, (1, 4, 8, 8))})
    steps = m.steps
    assert len(steps) == 2 and steps[1].fused == (("conv", "QLinearConv"), ("relu6", "Clip"))
    assert steps[1].clamp == (100, 200) and "clamp [100, 200]" in m.summary()
