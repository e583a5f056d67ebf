# Types of the compiled extension (python/qnnpack_swift/_native.c). Private: use the package.
from typing import Optional, Tuple

import numpy as np

DTYPE_UINT8: int
DTYPE_INT8: int
ADD_MAX_DIMS: int

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
def conv2d_output_size(op: _Operator, height: int, width: int) -> Tuple[int, int]: ...
def conv2d_run(op: _Operator, input: np.ndarray, output: np.ndarray) -> None: ...
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
def global_avg_pool(input: np.ndarray, output: np.ndarray, input_scale: float,
                    input_zero_point: int, output_scale: float, output_zero_point: int,
                    output_min: int, output_max: int) -> None: ...
def add(a: np.ndarray, b: np.ndarray, output: np.ndarray, a_scale: float, a_zero_point: int,
        b_scale: float, b_zero_point: int, output_scale: float, output_zero_point: int,
        output_min: int, output_max: int) -> None: ...
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
