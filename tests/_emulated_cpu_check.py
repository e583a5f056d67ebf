"""Runs under qemu-x86_64 as an older CPU (see test_emulated_cpus.py): prints the kernel
family the library chose and whether each operator matches the NumPy reference."""
import json

import numpy as np

import qnnpack_swift as qs
from qnnpack_swift import reference as ref

rng = np.random.default_rng(0)
x = rng.integers(0, 256, (2, 9, 9, 8), dtype=np.uint8)
xs = rng.integers(-128, 128, (2, 9, 9, 8), dtype=np.int8)
w = rng.integers(-128, 128, (17, 3, 3, 8), dtype=np.int8)
dw = rng.integers(-128, 128, (16, 3, 3, 1), dtype=np.int8)
rng16 = np.random.default_rng(1)  # 3x3 s1 with 16+ channels: the Winograd path on avx2
x16 = rng16.integers(0, 256, (1, 7, 6, 18), dtype=np.uint8)
w16 = rng16.integers(-128, 128, (17, 3, 3, 18), dtype=np.int8)
q = dict(input_scale=0.05, input_zero_point=128, weight_scale=0.01, weight_zero_point=0,
         output_scale=0.5, output_zero_point=100)
qs8 = dict(q, input_zero_point=-3, output_zero_point=7)
pair = dict(a_scale=0.1, a_zero_point=3, b_scale=0.2, b_zero_point=4, output_scale=0.3,
            output_zero_point=5)
avg = dict(input_scale=0.1, input_zero_point=3, output_scale=0.07, output_zero_point=9)
cases = {
    "conv2d": lambda m: m.conv2d(x, w, padding=1, **q),
    "conv2d_int8": lambda m: m.conv2d(xs, w, stride=2, padding="same", **qs8),
    "depthwise": lambda m: m.conv2d(x, dw, groups=8, padding=1, **q),
    "conv2d_winograd": lambda m: m.conv2d(x16, w16, padding=1, **q),
    "linear": lambda m: m.linear(x.reshape(2, -1)[:, :72], w.reshape(17, -1), **q),
    "add": lambda m: m.add(x, x[:, :1], **pair),
    "max_pool2d": lambda m: m.max_pool2d(x, 3, 2, 1),
    "avg_pool2d": lambda m: m.avg_pool2d(x, 3, 2, 1, count_include_pad=False, **avg),
    "global_avg_pool2d": lambda m: m.global_avg_pool2d(x, **avg),
    "quantize": lambda m: m.quantize(np.linspace(-3, 3, 101, dtype=np.float32), 0.02, 128),
    "requantize": lambda m: m.requantize(x, 0.05, 128, 0.07, 120),
    "conv_transpose2d": lambda m: m.conv_transpose2d(x, w[:5], stride=2, padding=1, **q),
    "multiply": lambda m: m.multiply(x, x[:, :, :1], **pair),
    "concatenate": lambda m: m.concatenate([x, x[..., :3]], input_scales=[0.1, 0.2],
                                           input_zero_points=[3, 4], output_scale=0.3, output_zero_point=5),
    "channel_shuffle": lambda m: m.channel_shuffle(x, 4),
    "resize2d_nearest": lambda m: m.resize2d(x, (13, 5)),
}
# Float-defined operators: within 1 LSB of the float64 reference (API.md §3).
lsb_cases = {
    "sigmoid": lambda m: m.sigmoid(x, input_scale=0.05, input_zero_point=128),
    "hardswish": lambda m: m.hardswish(xs, input_scale=0.05, input_zero_point=-3, output_scale=0.04,
                                       output_zero_point=-20),
    "softmax": lambda m: m.softmax(x, axis=2, input_scale=0.05, input_zero_point=128),
    "group_norm": lambda m: m.group_norm(x, 2, input_scale=0.05, input_zero_point=128,
                                         output_scale=0.03, output_zero_point=128),
}
match = {name: bool(np.array_equal(f(qs), f(ref))) for name, f in cases.items()}
match.update({name: bool(np.abs(f(qs).astype(int) - f(ref).astype(int)).max() <= 1)
              for name, f in lsb_cases.items()})
print(json.dumps({"family": qs.cpu_features()["kernel_family"], "match": match}))
