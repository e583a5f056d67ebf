# Types of the compiled extension (python/qnnpack_swift/_native.c). Private: use the package.
from typing import List, Optional, Tuple

import numpy as np

DTYPE_UINT8: int
DTYPE_INT8: int
ADD_MAX_DIMS: int
LOOKUP_SIGMOID: int
LOOKUP_TANH: int
LOOKUP_HARDSIGMOID: int
LOOKUP_HARDSWISH: int
LOOKUP_LEAKY_RELU: int

class _Operator: ...  # a PyCapsule owning a qnnps_operator_t

def conv2d_create(input_dtype: int,
                  sizes: Tuple[int, int, int, int, int, int, int, int, int, int, int, int, int],
                  input_scale: float, input_zero_point: int, weights: np.ndarray,
                  weight_scales: np.ndarray, weight_zero_points: np.ndarray,
                  bias: Optional[np.ndarray], output_scale: float, output_zero_point: int,
                  output_min: int, output_max: int) -> _Operator:
    """sizes: (groups, group_input_channels, group_output_channels, kernel_height,
    kernel_width, stride_height, stride_width, dilation_height, dilation_width,
    padding_top, padding_left, padding_bottom, padding_right)."""
def deconv2d_create(input_dtype: int,
                    sizes: Tuple[int, int, int, int, int, int, int, int, int, int, int, int, int,
                                 int, int],
                    input_scale: float, input_zero_point: int, weights: np.ndarray,
                    weight_scales: np.ndarray, weight_zero_points: np.ndarray,
                    bias: Optional[np.ndarray], output_scale: float, output_zero_point: int,
                    output_min: int, output_max: int) -> _Operator:
    """sizes: conv2d_create's, then output_padding_height, output_padding_width. The
    operator runs with conv2d_run and sizes with conv2d_output_size."""
def conv2d_output_size(op: _Operator, height: int, width: int) -> Tuple[int, int]: ...
def conv2d_run(op: _Operator, input: np.ndarray, output: np.ndarray) -> None: ...
def locally_connected2d_create(input_dtype: int, sizes: Tuple[int, ...], input_scale: float,
                               input_zero_point: int, weights: np.ndarray,
                               weight_scales: np.ndarray, weight_zero_points: np.ndarray,
                               bias: Optional[np.ndarray], output_scale: float,
                               output_zero_point: int, output_min: int,
                               output_max: int) -> _Operator:
    """sizes: (OH, OW, C_in, C_out, KH, KW, stride_h, stride_w, dilation_h, dilation_w,
    padding_top, padding_left, padding_bottom, padding_right); weights
    [OH, OW, C_out, KH, KW, C_in], bias int32 [OH, OW, C_out] or None."""
def locally_connected2d_run(op: _Operator, input: np.ndarray, output: np.ndarray) -> None: ...
def dynamic_fully_connected_create(weights: np.ndarray, weight_scales: np.ndarray,
                                   weight_zero_points: np.ndarray) -> _Operator: ...
def dynamic_fully_connected_run(op: _Operator, input: np.ndarray, output: np.ndarray,
                                input_scale: float, input_zero_point: int) -> None: ...
def fully_connected_create(input_dtype: int, sizes: Tuple[int, int], input_scale: float,
                           input_zero_point: int, weights: np.ndarray,
                           weight_scales: np.ndarray, weight_zero_points: np.ndarray,
                           bias: Optional[np.ndarray], output_scale: float,
                           output_zero_point: int, output_min: int,
                           output_max: int) -> _Operator:
    """sizes: (input_channels K, output_channels C_out)."""
def fully_connected_run(op: _Operator, input: np.ndarray, output: np.ndarray) -> None: ...
def max_pool2d(input: np.ndarray, output: np.ndarray, kernel_height: int, kernel_width: int,
               stride_height: int, stride_width: int, dilation_height: int,
               dilation_width: int, padding_top: int, padding_left: int, padding_bottom: int,
               padding_right: int, output_min: int, output_max: int) -> None: ...
def avg_pool2d(input: np.ndarray, output: np.ndarray, kernel_height: int, kernel_width: int,
               stride_height: int, stride_width: int, padding_top: int, padding_left: int,
               padding_bottom: int, padding_right: int, count_include_pad: bool,
               input_scale: float, input_zero_point: int, output_scale: float,
               output_zero_point: int, output_min: int, output_max: int) -> None: ...
def global_avg_pool(input: np.ndarray, output: Optional[np.ndarray], input_scale: float,
                    input_zero_point: int, output_scale: float, output_zero_point: int,
                    output_min: int, output_max: int) -> object: ...
def add(a: np.ndarray, b: np.ndarray, output: Optional[np.ndarray], a_scale: float,
        a_zero_point: int, b_scale: float, b_zero_point: int, output_scale: float,
        output_zero_point: int, output_min: int, output_max: int) -> object: ...
def multiply(a: np.ndarray, b: np.ndarray, output: Optional[np.ndarray], a_scale: float,
             a_zero_point: int, b_scale: float, b_zero_point: int, output_scale: float,
             output_zero_point: int, output_min: int, output_max: int) -> object: ...
def concatenate(inputs: list, output: np.ndarray, outer: int, input_scales: np.ndarray,
                input_zero_points: np.ndarray, output_scale: float, output_zero_point: int,
                output_min: int, output_max: int) -> None: ...
def channel_shuffle(input: np.ndarray, output: np.ndarray, groups: int) -> None: ...
def lookup_create(dtype: int, function: int, parameter: float, input_scale: float,
                  input_zero_point: int, output_scale: float, output_zero_point: int,
                  output_min: int, output_max: int) -> _Operator: ...
def lookup_run(op: _Operator, input: np.ndarray, output: Optional[np.ndarray]) -> object: ...
def softmax(input: np.ndarray, output: Optional[np.ndarray], outer: int, length: int, inner: int,
            input_scale: float, input_zero_point: int, output_scale: float,
            output_zero_point: int, output_min: int, output_max: int) -> object: ...
def normalize(input: np.ndarray, output: np.ndarray, batch: int, pixels: int, channels: int,
              groups: int, input_scale: float, input_zero_point: int,
              mean: Optional[np.ndarray], variance: Optional[np.ndarray],
              gamma: Optional[np.ndarray], beta: Optional[np.ndarray], eps: float,
              output_scale: float, output_zero_point: int, output_min: int,
              output_max: int) -> None: ...
def resize2d(input: np.ndarray, output: np.ndarray, mode: int, align_corners: bool) -> None: ...
def clamp(input: np.ndarray, output: np.ndarray, output_min: int, output_max: int) -> None: ...
def quantize(input: np.ndarray, output: np.ndarray, outer: int, channels: int, inner: int,
             scales: np.ndarray, zero_points: np.ndarray) -> None: ...
def dequantize(input: np.ndarray, output: np.ndarray, outer: int, channels: int, inner: int,
               scales: np.ndarray, zero_points: np.ndarray) -> None: ...
def requantize(input: np.ndarray, output: np.ndarray, input_scale: float,
               input_zero_point: int, output_scale: float, output_zero_point: int,
               output_min: int, output_max: int) -> None: ...
def cpu_features() -> int: ...
def get_isa() -> int: ...
def best_isa() -> int: ...
def set_isa(isa: int) -> None: ...
def isa_name(isa: int) -> Optional[str]: ...
def set_num_threads(num_threads: int) -> None: ...
def get_num_threads() -> int: ...

class Recording:
    """The library calls this thread makes between record(recording) and record(None)."""
    calls: int
    def finish(self, feeds: List[np.ndarray], outputs: List[np.ndarray]) -> Optional[str]:
        """None when the recording can be replayed, else why not."""
    def replay(self, feeds: List[np.ndarray]) -> bool:
        """True after making the recorded calls on `feeds`; False (nothing run) when they do
        not fit the recording."""
def record(recording: Optional[Recording]) -> None: ...
