"""qs.onnx bad input: every malformed model is a ValueError naming the problem, every
unsupported node a NotImplementedError naming the node and its op type, every wrong call
a TypeError / ValueError naming the input; never a crash."""
import numpy as np
import onnx
import pytest

from _onnx_models import MS, Graph, image, load_qs, output_scale, weight_params

U8, I8 = np.uint8, np.int8


def small_conv(**change):
    """x float [N, 3, 8, 8] → Q → QLinearConv → DQ; `change` edits names / attributes."""
    g = Graph(0, "errors")
    x = g.input("x", np.float32, change.get("shape", ["N", 3, 8, 8]))
    x_q, x_scale = g.input_q()
    xq = g.node("QuantizeLinear", [x, *x_q], name="quantize")
    w, ws, wz, w_scale = weight_params(g, (4, 3, 3, 3), I8, True)
    y_q = g.q(output_scale(x_scale, w_scale, 27), 128)
    inputs = [xq, *x_q, change.get("w", w), change.get("ws", ws), wz, *y_q]
    y = g.node("QLinearConv", inputs, name="conv", pads=[1, 1, 1, 1], **change.get("attrs", {}))
    y = g.node("DequantizeLinear", [y, *y_q], name="dequantize")
    g.output(y, np.float32)
    return g


def load(model):
    return load_qs().onnx.load(model if isinstance(model, (bytes, str)) else model.SerializeToString())


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.999])
def test_truncated_file(tmp_path, cut):
    data = small_conv().model().SerializeToString()
    path = tmp_path / "truncated.onnx"
    path.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(ValueError, match="truncated or corrupt|missing|no graph"):
        load(str(path))


def test_corrupt_and_empty_bytes():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="not a valid ONNX model"):
        load(rng.integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(ValueError, match="empty"):
        load(b"")


def test_missing_file_and_wrong_argument_type(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(str(tmp_path / "absent.onnx"))
    with pytest.raises(TypeError, match="path, bytes or an onnx.ModelProto"):
        load_qs().onnx.load(12)


def test_missing_initializer_names_the_tensor_and_node():
    model = small_conv(w="conv.weight_quantized").model()
    with pytest.raises(ValueError, match=r"'conv' \(QLinearConv\).*'conv.weight_quantized' is missing"):
        load(model)


def test_unknown_op_names_the_node():
    g = small_conv()
    node = g.nodes[-1]
    node.op_type, node.name = "FancyActivation", "fancy"
    with pytest.raises(NotImplementedError, match=r"'fancy' \(FancyActivation\).*not supported"):
        load(g.model())
    node.op_type, node.domain = "Gelu", MS
    with pytest.raises(NotImplementedError, match=r"'fancy' \(Gelu\).*com.microsoft"):
        load(g.model())


def test_float_operator_is_not_supported_with_a_hint():
    g = Graph(0, "float-conv")
    x = g.input("x", np.float32, [1, 2, 4, 4])
    y = g.node("Conv", [x, g.const("w", np.ones((2, 2, 1, 1), np.float32))], name="fconv")
    g.output(y, np.float32)
    with pytest.raises(NotImplementedError, match=r"'fconv' \(Conv\).*DequantizeLinear"):
        load(g.model())


def test_invalid_attribute_is_a_value_error():
    model = small_conv(attrs={"strides": 2.0}).model()  # a float where INTS belong
    with pytest.raises(ValueError, match=r"'conv' \(QLinearConv\) is invalid"):
        load(model)


def test_cycle_and_undefined_output():
    g = small_conv()
    g.nodes[0].input[0] = g.nodes[-1].output[0]  # quantize reads dequantize's output
    with pytest.raises(ValueError, match="cycle"):
        load(g.model())
    g = small_conv()
    g.output("nowhere", np.float32)
    with pytest.raises(ValueError, match="'nowhere' is not produced"):
        load(g.model())


def test_runtime_quantization_parameters_are_not_supported():
    g = small_conv()
    g.inputs.append(onnx.helper.make_tensor_value_info("s", onnx.TensorProto.FLOAT, []))
    g.nodes[1].input[4] = "s"
    with pytest.raises(NotImplementedError, match=r"'conv'.*must be a constant"):
        load(g.model())


@pytest.mark.parametrize("scale", [0.0, -1.0, float("nan")])
def test_bad_scale_is_a_value_error_naming_the_node(scale):
    g = small_conv()
    g.initializers.append(onnx.numpy_helper.from_array(np.full(4, scale, np.float32), "bad_scale"))
    g.nodes[1].input[4] = "bad_scale"
    with pytest.raises(ValueError, match=r"'conv'.*scale"):
        load(g.model())


def test_per_channel_length_mismatch():
    g = small_conv()
    g.initializers.append(onnx.numpy_helper.from_array(np.full(3, 0.01, np.float32), "short"))
    g.nodes[1].input[4] = "short"
    with pytest.raises(ValueError, match=r"'conv'.*length 4"):
        load(g.model())


def test_call_checks_dtype_shape_and_names():
    g = small_conv(shape=["N", 3, 8, "W"])
    m = load(g.model())
    x = image(g, (2, 3, 8, 8))
    assert m(x).shape == (2, 4, 8, 8) and m(x=x[:1]).shape == (1, 4, 8, 8)
    with pytest.raises(TypeError, match="input 'x' must have dtype float32, got float64"):
        m(x.astype(np.float64))
    with pytest.raises(TypeError, match="input 'x' must have dtype float32, got uint8"):
        m(x.astype(np.uint8))
    with pytest.raises(ValueError, match=r"input 'x' must have shape \['N', 3, 8, 'W'\].*axis 1"):
        m(image(g, (2, 4, 8, 8)))
    with pytest.raises(ValueError, match="input 'x' must have rank 4"):
        m(image(g, (3, 8, 8)))
    with pytest.raises(TypeError, match="input 'x' must be a numpy.ndarray"):
        m(x.tolist())
    with pytest.raises(TypeError, match="input 'x' is missing"):
        m()
    with pytest.raises(TypeError, match="no input named 'y'"):
        m(y=x)
    with pytest.raises(TypeError, match="given twice"):
        m(x, x=x)
    with pytest.raises(TypeError, match="takes 1 input"):
        m(x, x)


def test_symbolic_dimension_must_agree_across_inputs():
    g = Graph(0, "two-inputs")
    a = g.input("a", U8, ["N", 4])
    b = g.input("b", U8, ["N", 4])
    q = g.q(0.1, 128)
    g.output(g.node("QLinearAdd", [a, *q, b, *q, *q], domain=MS), U8)
    m = load(g.model())
    with pytest.raises(ValueError, match="input 'b': dimension 'N' is 2 elsewhere, 3 here"):
        m(np.zeros((2, 4), U8), np.zeros((3, 4), U8))
