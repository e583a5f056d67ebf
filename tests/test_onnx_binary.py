"""qs.onnx: com.microsoft QLinearAdd / QLinearMul and the QDQ Add / Mul groups → qs.add /
qs.multiply, against the §3 interpreter. The operands mix layouts on purpose: a
convolution's output (stored NHWC) with the model's own NCHW tensors, a constant [C, 1, 1]
and lower-rank runtime operands broadcast as ONNX (NumPy) broadcasts them."""
import numpy as np
import pytest

from _onnx_models import MS, Graph, check, image, load_qs, output_scale, weight_params

U8, I8 = np.uint8, np.int8


def binary_model(seed, op, other=None, qdq=None):
    g = Graph(seed, f"binary-{op}")
    rng = g.rng
    act = U8 if rng.random() < 0.6 else I8
    qdq = bool(rng.random() < 0.4) if qdq is None else qdq
    other = other or rng.choice(["input-same", "constant-c11", "input-1c11", "input-w",
                                 "conv-self"])
    n, c, h, w = int(rng.choice([1, 2])), int(rng.choice([3, 8])), 6, 7
    relu = bool(rng.random() < 0.3)
    x = g.input("x", np.float32, [n, c, h, w])
    x_q, x_scale = g.input_q(act)
    xq = g.node("QuantizeLinear", [x, *x_q])
    # a 1x1 convolution, so that operand a is stored NHWC
    wn, ws, wz, w_scale = weight_params(g, (c, c, 1, 1), I8, True)
    a_scale = output_scale(x_scale, w_scale, c)
    qmin, qmax = (0, 255) if act == U8 else (-128, 127)
    a_q = g.q(a_scale, int(rng.integers(qmin + 60, qmax - 60)), act)
    a = g.node("QLinearConv", [xq, *x_q, wn, ws, wz, *a_q])
    feeds = {"x": image(g, (n, c, h, w))}
    if other == "input-same":
        b, b_q, b_scale = xq, x_q, x_scale
    elif other == "conv-self":
        b, b_q, b_scale = a, a_q, a_scale
    elif other == "constant-c11":
        b_q, b_scale = g.random_q(act)
        b = g.const("b", rng.integers(qmin, qmax + 1, (c, 1, 1)).astype(act))
    else:
        shape = [1, c, 1, 1] if other == "input-1c11" else [w]
        y = g.input("y", np.float32, shape)
        b_q, b_scale = g.input_q(act)
        b = g.node("QuantizeLinear", [y, *b_q])
        feeds["y"] = image(g, shape)
    # about the range of the result: a sum spans both ranges, a product their product
    scale = ((a_scale + b_scale) * rng.uniform(0.7, 1.2) if op == "add"
             else 128 * a_scale * b_scale * rng.uniform(0.5, 1.0))
    out_q = g.q(scale, (qmin + qmax + 1) // 2 + int(rng.integers(-20, 20)), act)
    if not qdq:
        y = g.node({"add": "QLinearAdd", "mul": "QLinearMul"}[op], [a, *a_q, b, *b_q, *out_q],
                   domain=MS)
        if relu:
            y = g.node("Relu", [y])
    else:
        y = g.node({"add": "Add", "mul": "Mul"}[op], [g.node("DequantizeLinear", [a, *a_q]),
                                                        g.node("DequantizeLinear", [b, *b_q])])
        if relu:
            y = g.node("Relu", [y])
        y = g.node("QuantizeLinear", [y, *out_q])
    g.output(y, act)
    return g.model(), feeds, f"{op} {'QDQ' if qdq else 'QOp'} {act} b={other} relu={relu}"


@pytest.mark.parametrize("seed", range(30))
def test_add_matches_reference(seed, threads):
    model, feeds, description = binary_model(seed, "add")
    m = check(model, feeds)
    assert any(s.runs.startswith("qs.add") for s in m.steps), description
    assert not any("clamp" in s.runs and s.runs.startswith("qs.clamp") for s in m.steps)


@pytest.mark.parametrize("seed", range(20))
def test_mul_matches_reference(seed, threads):
    model, feeds, description = binary_model(seed, "mul")
    m = check(model, feeds, expect_informative=False)
    assert any(s.runs.startswith("qs.multiply") for s in m.steps), description


@pytest.mark.parametrize("qdq", [False, True])
def test_constant_operand_is_transposed_at_load(qdq):
    model, feeds, _ = binary_model(0, "add", other="constant-c11", qdq=qdq)
    m = check(model, feeds, expect_informative=False)
    add = next(s for s in m.steps if s.runs.startswith("qs.add"))
    # the constant [C, 1, 1] is bound at load in NHWC; the conv output is read as stored
    assert len(add.runtime_inputs) == 1 and add.transposes == ()


def test_mixed_layouts_transpose_once():
    model, feeds, _ = binary_model(0, "add", other="input-same", qdq=False)
    m = check(model, feeds, expect_informative=False)
    add = next(s for s in m.steps if s.runs.startswith("qs.add"))
    conv = next(s for s in m.steps if s.op_type == "QLinearConv")
    # x_q feeds the convolution (NHWC) first: the add reuses that conversion
    assert conv.transposes == ((conv.runtime_inputs[0], "NCHW", "NHWC", True),)
    assert add.transposes == ()
