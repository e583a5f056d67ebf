"""qs.onnx: MaxPool on quantized tensors, com.microsoft QLinearAveragePool and
QLinearGlobalAveragePool (channels first and last) and the QDQ pooling groups →
qs.max_pool2d, qs.avg_pool2d, qs.global_avg_pool2d, against the §3 interpreter."""
import numpy as np
import pytest

from _onnx_models import MS, Graph, check, image, load_qs

U8, I8 = np.uint8, np.int8


def pool_model(seed, op=None):
    g = Graph(seed, "pool")
    rng = g.rng
    act = U8 if rng.random() < 0.6 else I8
    op = op or rng.choice(["MaxPool", "QLinearAveragePool", "QLinearGlobalAveragePool",
                           "AveragePool", "GlobalAveragePool", "MaxPool-qdq"])
    channels_last = int(op.startswith("QLinear") and rng.random() < 0.3)
    n, c, h, w = int(rng.choice([1, 2])), int(rng.choice([1, 5, 16])), int(rng.integers(5, 12)), int(rng.integers(5, 12))
    k = [int(v) for v in rng.integers(1, 4, 2)]
    attrs = dict(kernel_shape=k, strides=[int(v) for v in rng.integers(1, 3, 2)],
                 pads=[int(rng.integers(0, kk // 2 + 1)) for kk in k * 2])
    if "Average" in op and "Global" not in op:
        attrs["count_include_pad"] = int(rng.integers(2))
    if op.startswith("MaxPool") and rng.random() < 0.3:
        attrs["dilations"] = [2, 2]
        attrs["pads"] = [0, 0, 0, 0]
    if "Global" in op:
        attrs = {}
    relu = bool(rng.random() < 0.3) and op != "MaxPool-qdq"
    shape = [n, h, w, c] if channels_last else [n, c, h, w]
    x = g.input("x", np.float32, shape)
    x_q, x_scale = g.input_q(act)
    xq = g.node("QuantizeLinear", [x, *x_q])
    qmin, qmax = (0, 255) if act == U8 else (-128, 127)
    y_q = g.q(x_scale * rng.uniform(0.8, 1.6), (qmin + qmax + 1) // 2 + int(rng.integers(-20, 20)), act)
    if op == "MaxPool":
        y = g.node("MaxPool", [xq], **attrs)
    elif op.startswith("QLinear"):
        if channels_last:
            attrs["channels_last"] = 1
        y = g.node(op, [xq, *x_q, *y_q], domain=MS, **attrs)
    else:
        out_q = x_q if op == "MaxPool-qdq" else y_q
        y = g.node(op.replace("-qdq", ""), [g.node("DequantizeLinear", [xq, *x_q])], **attrs)
        if relu:
            y = g.node("Relu", [y])
        y = g.node("QuantizeLinear", [y, *out_q])
    if relu and not op.startswith(("AveragePool", "GlobalAveragePool")):
        y = g.node("Clip", [y, g.const("lo", np.asarray(qmin + 40, act))])
    g.output(y, act)
    return g.model(), {"x": image(g, shape)}, f"{op} {act} {attrs} relu={relu}"


@pytest.mark.parametrize("seed", range(40))
def test_pooling_matches_reference(seed, threads):
    model, feeds, description = pool_model(seed)
    m = check(model, feeds)
    runs = [s.runs for s in m.steps]
    assert any("pool" in r for r in runs), description
    assert not any(r.startswith("qs.clamp") for r in runs), m.summary()


@pytest.mark.parametrize("op", ["QLinearGlobalAveragePool", "GlobalAveragePool"])
def test_global_pool_output_needs_no_transpose(op):
    g = Graph(0, "gap-flatten")
    x = g.input("x", np.float32, [2, 8, 5, 5])
    x_q, _ = g.input_q()
    y_q, _ = g.random_q()
    xq = g.node("QuantizeLinear", [x, *x_q])
    if op.startswith("QLinear"):
        y = g.node(op, [xq, *x_q, *y_q], domain=MS)
    else:
        y = g.node("QuantizeLinear", [g.node(op, [g.node("DequantizeLinear", [xq, *x_q])]), *y_q])
    y = g.node("Flatten", [y])
    g.output(y, U8)
    m = check(g.model(), {"x": image(g, (2, 8, 5, 5))}, expect_informative=False)
    flatten = m.steps[-1]
    # [N, C, 1, 1] stored NHWC is the same memory as NCHW: the conversion is free
    assert [t[3] for t in flatten.transposes] == [False] and "no copy" in m.summary()


def test_max_pool_indices_output_is_not_supported():
    g = Graph(0, "maxpool-indices")
    x = g.input("x", U8, [1, 2, 4, 4])
    g.nodes.append(__import__("onnx").helper.make_node(
        "MaxPool", [x], ["y", "i"], name="pool", kernel_shape=[2, 2]))
    g.output("y", U8)
    with pytest.raises(NotImplementedError, match=r"'pool' \(MaxPool\)"):
        load_qs().onnx.load(g.model().SerializeToString())
