"""qs.onnx: QLinearMatMul, com.microsoft QGemm and the QDQ MatMul / Gemm groups → qs.Linear,
against the §3 interpreter (per-tensor and per-column weights, uint8 / int8, bias, transB,
fused Relu, rank-3 MatMul inputs)."""
import numpy as np
import pytest

from _onnx_models import MS, Graph, check, image, int32_bias, load_qs, output_scale, weight_params

U8, I8 = np.uint8, np.int8


def matmul_model(seed):
    g = Graph(seed, "matmul")
    rng = g.rng
    act = U8 if rng.random() < 0.7 else I8
    wdt = I8 if act == I8 or rng.random() < 0.6 else U8
    per_channel = bool(rng.random() < 0.5)
    op = rng.choice(["QLinearMatMul", "QGemm", "MatMul", "Gemm"])
    k, n = int(rng.choice([1, 7, 32, 100])), int(rng.choice([2, 10, 33]))
    trans_b = int(rng.integers(2)) if op in ("QGemm", "Gemm") else 0
    rows = int(rng.choice([1, 3]))
    lead = [rows] if op in ("QGemm", "Gemm") or rng.random() < 0.5 else [2, rows]
    relu = bool(rng.random() < 0.3)
    x = g.input("x", np.float32, [*lead, k])
    x_q, x_scale = g.input_q(act)
    xq = g.node("QuantizeLinear", [x, *x_q])
    w, ws, wz, w_scale = weight_params(g, (n, k), wdt, per_channel, transpose=not trans_b)
    qmin, qmax = (0, 255) if act == U8 else (-128, 127)
    y_q = g.q(output_scale(x_scale, w_scale, k), int(rng.integers(qmin + 60, qmax - 60)), act)
    bias = int32_bias(g, n) if op in ("QGemm", "Gemm") and rng.random() < 0.8 else None
    if op == "QLinearMatMul":
        y = g.node(op, [xq, *x_q, w, ws, wz, *y_q])
    elif op == "QGemm":
        y = g.node(op, [xq, *x_q, w, ws, wz, bias or "", *y_q], domain=MS, transB=trans_b)
    else:
        axis = {"axis": 0 if trans_b else 1} if per_channel else {}
        inputs = [g.node("DequantizeLinear", [xq, *x_q]),
                  g.node("DequantizeLinear", [w, ws, wz], **axis)]
        if bias:
            b_scale = (np.float32(x_scale) * np.asarray(w_scale, np.float32)).astype(np.float32)
            inputs.append(g.node("DequantizeLinear", [bias, g.const("b_scale", b_scale)],
                                 **({"axis": 0} if per_channel else {})))
        y = g.node(op, inputs, **({"transB": trans_b} if op == "Gemm" else {}))
        if relu:
            y = g.node("Relu", [y])
        y = g.node("QuantizeLinear", [y, *y_q])
    if relu and op.startswith("Q"):
        y = g.node("Relu", [y])
    g.output(y, act)
    return g.model(), {"x": image(g, (*lead, k))}, f"{op} {act} {wdt} {per_channel} {lead} k{k} n{n}"


@pytest.mark.parametrize("seed", range(40))
def test_matmul_matches_reference(seed, threads):
    model, feeds, description = matmul_model(seed)
    m = check(model, feeds)
    assert any(s.runs.startswith("qs.Linear") for s in m.steps), description
    assert not any("qs.clamp" in s.runs for s in m.steps), m.summary()


def test_matmul_with_runtime_b_is_not_supported():
    g = Graph(0, "matmul-dynamic")
    a = g.input("a", U8, [2, 4])
    b = g.input("b", I8, [4, 3])
    q = g.q(0.1, 0)
    y = g.node("QLinearMatMul", [a, *q, b, *g.q(0.1, 0, I8), *q], name="mm")
    g.output(y, U8)
    with pytest.raises(NotImplementedError, match=r"'mm' \(QLinearMatMul\).*B"):
        load_qs().onnx.load(g.model().SerializeToString())
