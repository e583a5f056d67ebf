"""qs.onnx: com.microsoft QLinearConcat and the QDQ Concat group → qs.concatenate along
the concatenation axis as stored (a convolution output, NHWC, joined with the model's
NCHW tensors and a constant), against the §3 interpreter."""
import numpy as np
import pytest

from _onnx_models import MS, Graph, check, image, load_qs, output_scale, weight_params

U8 = np.uint8


def concat_model(seed, qdq):
    g = Graph(seed, "concat")
    rng = g.rng
    n, c, h, w = 2, 3, 5, 4
    x = g.input("x", np.float32, [n, c, h, w])
    x_q, x_scale = g.input_q()
    xq = g.node("QuantizeLinear", [x, *x_q])
    wn, ws, wz, w_scale = weight_params(g, (4, c, 1, 1), np.int8, True)
    a_scale = output_scale(x_scale, w_scale, c)
    a_q = g.q(a_scale, 128)
    a = g.node("QLinearConv", [xq, *x_q, wn, ws, wz, *a_q])
    k_q, _ = g.random_q()
    k = g.const("k", rng.integers(0, 256, (n, 2, h, w)).astype(U8))
    y_q = g.q(max(a_scale, x_scale) * 1.5, 128)
    operands = [(a, a_q), (xq, x_q), (k, k_q)]
    if not qdq:
        y = g.node("QLinearConcat", [*y_q, *(t for o, q in operands for t in (o, *q))],
                   domain=MS, axis=1)
    else:
        y = g.node("Concat", [g.node("DequantizeLinear", [o, *q]) for o, q in operands], axis=1)
        y = g.node("QuantizeLinear", [y, *y_q])
    g.output(y, U8)
    return g.model(), {"x": image(g, (n, c, h, w))}


@pytest.mark.parametrize("qdq", [False, True])
def test_concat_matches_reference(qdq, threads):
    model, feeds = concat_model(0, qdq)
    m = check(model, feeds, expect_informative=False)
    assert any(s.runs.startswith("qs.concatenate") for s in m.steps)
