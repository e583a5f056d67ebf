/*
 * qnnpack_swift — the C ABI of the Swift library (libQNNPACKSwift.so).
 *
 * Every function returns a qnnps_status. Quantized tensors are raw, C-contiguous
 * buffers of uint8 (QNNPS_DTYPE_UINT8) or int8 (QNNPS_DTYPE_INT8) elements;
 * activations are NHWC, convolution weights OHWI ([C_out, KH, KW, C_in/groups]),
 * fully connected weights [C_out, K]. Scales are float32, zero points int32 and
 * output_min/output_max are already resolved in the quantized domain
 * (e.g. 0/255 for no clamp on uint8). The reference math is ../shared/API.md §3.
 *
 * Operators with weights follow create -> run (any number of times) -> delete.
 * A created operator may be run from several threads at once.
 * Weightless operators are single calls. Kernel threads: qnnps_set_num_threads.
 */
#ifndef QNNPACK_SWIFT_H
#define QNNPACK_SWIFT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum qnnps_status {
  qnnps_status_success = 0,
  qnnps_status_invalid_parameter = 1,     /* null pointer, zero size, bad value */
  qnnps_status_unsupported_parameter = 2, /* valid but not implemented */
  qnnps_status_out_of_memory = 3,         /* allocation failed or byte count overflows */
  qnnps_status_unsupported_hardware = 4,  /* requested ISA not available on this CPU */
};

enum qnnps_dtype { QNNPS_DTYPE_UINT8 = 0, QNNPS_DTYPE_INT8 = 1 };

/* Kernel families, lowest first. */
enum qnnps_isa { QNNPS_ISA_PORTABLE = 0, QNNPS_ISA_AVX2 = 1, QNNPS_ISA_AVX512VNNI = 2 };

/* CPU feature bits of qnnps_cpu_features(). */
enum qnnps_cpu_feature {
  QNNPS_CPU_SSE2 = 1 << 0, QNNPS_CPU_SSSE3 = 1 << 1, QNNPS_CPU_SSE41 = 1 << 2,
  QNNPS_CPU_AVX = 1 << 3, QNNPS_CPU_AVX2 = 1 << 4, QNNPS_CPU_FMA = 1 << 5,
  QNNPS_CPU_AVX512F = 1 << 6, QNNPS_CPU_AVX512BW = 1 << 7, QNNPS_CPU_AVX512VL = 1 << 8,
  QNNPS_CPU_AVX512VNNI = 1 << 9, QNNPS_CPU_AVXVNNI = 1 << 10,
};

typedef struct qnnps_operator* qnnps_operator_t;

/* ---- runtime ---------------------------------------------------------------- */
uint32_t qnnps_cpu_features(void);
int32_t qnnps_get_isa(void);                       /* family new operators use */
int32_t qnnps_set_isa(int32_t isa);                /* unsupported_hardware if the CPU lacks it */
int32_t qnnps_best_isa(void);                      /* best family this CPU supports */
const char* qnnps_isa_name(int32_t isa);           /* "portable", "avx2", "avx512vnni"; NULL if unknown */
/* The initial family is the best supported one, lowered by the environment
   variable QNNPACK_SWIFT_ISA=portable|avx2|avx512vnni when it names a supported one. */
int32_t qnnps_set_num_threads(size_t num_threads); /* >= 1 */
size_t qnnps_get_num_threads(void);                /* default: the number of online CPUs */
int32_t qnnps_operator_delete(qnnps_operator_t op); /* NULL is a no-op */

/* ---- convolution (also grouped and depthwise; depthwise = group_input_channels 1) ---- */
int32_t qnnps_convolution2d_nhwc_create(
    int32_t input_dtype, int32_t weight_dtype,
    size_t groups, size_t group_input_channels, size_t group_output_channels,
    size_t kernel_height, size_t kernel_width,
    size_t stride_height, size_t stride_width,
    size_t dilation_height, size_t dilation_width,
    size_t padding_top, size_t padding_left, size_t padding_bottom, size_t padding_right,
    float input_scale, int32_t input_zero_point,
    const void* weights,                 /* [groups*group_output_channels, KH, KW, group_input_channels] */
    const float* weight_scales,          /* length groups*group_output_channels */
    const int32_t* weight_zero_points,   /* length groups*group_output_channels */
    const int32_t* bias,                 /* length groups*group_output_channels, or NULL */
    float output_scale, int32_t output_zero_point,
    int32_t output_min, int32_t output_max,
    qnnps_operator_t* op_out);
/* invalid_parameter when the (padded) input is smaller than the dilated kernel. */
int32_t qnnps_convolution2d_nhwc_output_size(
    qnnps_operator_t op, size_t input_height, size_t input_width,
    size_t* output_height, size_t* output_width);
/* input [batch, H, W, groups*group_input_channels]; output [batch, OH, OW, C_out].
   batch 0 is a no-op. */
int32_t qnnps_convolution2d_nhwc_run(
    qnnps_operator_t op, size_t batch, size_t input_height, size_t input_width,
    const void* input, void* output);

/* ---- transposed convolution ----------------------------------------------------------
   Weights OHWI [groups*group_output_channels, KH, KW, group_input_channels], as for
   convolution; output pixel oy receives input row iy through tap ky when
   oy = iy*stride - padding_top + ky*dilation. Output size
   (H-1)*stride - padding_top - padding_bottom + dilation*(KH-1) + output_padding + 1 (>= 1);
   output_padding < max(stride, dilation). */
int32_t qnnps_deconvolution2d_nhwc_create(
    int32_t input_dtype, int32_t weight_dtype,
    size_t groups, size_t group_input_channels, size_t group_output_channels,
    size_t kernel_height, size_t kernel_width,
    size_t stride_height, size_t stride_width,
    size_t dilation_height, size_t dilation_width,
    size_t padding_top, size_t padding_left, size_t padding_bottom, size_t padding_right,
    size_t output_padding_height, size_t output_padding_width,
    float input_scale, int32_t input_zero_point,
    const void* weights, const float* weight_scales, const int32_t* weight_zero_points,
    const int32_t* bias,
    float output_scale, int32_t output_zero_point,
    int32_t output_min, int32_t output_max,
    qnnps_operator_t* op_out);
int32_t qnnps_deconvolution2d_nhwc_output_size(
    qnnps_operator_t op, size_t input_height, size_t input_width,
    size_t* output_height, size_t* output_width);
int32_t qnnps_deconvolution2d_nhwc_run(
    qnnps_operator_t op, size_t batch, size_t input_height, size_t input_width,
    const void* input, void* output);

/* ---- locally connected: a convolution with its own weights at every output pixel -------
   weights [OH, OW, C_out, KH, KW, C_in], bias [OH, OW, C_out] or NULL, weight scales and
   zero points of length C_out. A run's input must give exactly OH x OW. */
int32_t qnnps_locally_connected2d_nhwc_create(
    int32_t input_dtype, int32_t weight_dtype,
    size_t output_height, size_t output_width, size_t input_channels, size_t output_channels,
    size_t kernel_height, size_t kernel_width,
    size_t stride_height, size_t stride_width,
    size_t dilation_height, size_t dilation_width,
    size_t padding_top, size_t padding_left, size_t padding_bottom, size_t padding_right,
    float input_scale, int32_t input_zero_point,
    const void* weights, const float* weight_scales, const int32_t* weight_zero_points,
    const int32_t* bias,
    float output_scale, int32_t output_zero_point,
    int32_t output_min, int32_t output_max,
    qnnps_operator_t* op_out);
int32_t qnnps_locally_connected2d_nhwc_run(
    qnnps_operator_t op, size_t batch, size_t input_height, size_t input_width,
    const void* input, void* output);

/* ---- fully connected: input [batch, K], weights [C_out, K], output [batch, C_out] ---- */
int32_t qnnps_fully_connected_create(
    int32_t input_dtype, int32_t weight_dtype,
    size_t input_channels, size_t output_channels,
    float input_scale, int32_t input_zero_point,
    const void* weights, const float* weight_scales, const int32_t* weight_zero_points,
    const int32_t* bias,
    float output_scale, int32_t output_zero_point,
    int32_t output_min, int32_t output_max,
    qnnps_operator_t* op_out);
int32_t qnnps_fully_connected_run(qnnps_operator_t op, size_t batch, const void* input, void* output);

/* Dynamic fully connected: weights [C_out, K] with per-channel qparams; each run takes uint8
   input [batch, K] quantized with (input_scale, input_zero_point) and writes float32
   output[n][c] = float32(acc) * float32(input_scale * weight_scale[c]) with acc the exact
   sum of (x - input_zero_point)(w - w_zp[c]). */
int32_t qnnps_dynamic_fully_connected_create(
    int32_t weight_dtype, size_t input_channels, size_t output_channels,
    const void* weights, const float* weight_scales, const int32_t* weight_zero_points,
    qnnps_operator_t* op_out);
int32_t qnnps_dynamic_fully_connected_run(
    qnnps_operator_t op, size_t batch, const void* input, float input_scale,
    int32_t input_zero_point, float* output);

/* ---- pooling ------------------------------------------------------------------ */
/* Padded positions are ignored (never the maximum); output keeps the input's qparams. */
int32_t qnnps_max_pool2d_nhwc(
    int32_t dtype, size_t batch, size_t input_height, size_t input_width, size_t channels,
    size_t kernel_height, size_t kernel_width, size_t stride_height, size_t stride_width,
    size_t dilation_height, size_t dilation_width,
    size_t padding_top, size_t padding_left, size_t padding_bottom, size_t padding_right,
    int32_t output_min, int32_t output_max,
    const void* input, void* output);
int32_t qnnps_avg_pool2d_nhwc(
    int32_t dtype, size_t batch, size_t input_height, size_t input_width, size_t channels,
    size_t kernel_height, size_t kernel_width, size_t stride_height, size_t stride_width,
    size_t padding_top, size_t padding_left, size_t padding_bottom, size_t padding_right,
    int32_t count_include_pad,
    float input_scale, int32_t input_zero_point,
    float output_scale, int32_t output_zero_point,
    int32_t output_min, int32_t output_max,
    const void* input, void* output);
/* input [batch, pixels, channels] -> output [batch, channels] */
int32_t qnnps_global_avg_pool_nwc(
    int32_t dtype, size_t batch, size_t pixels, size_t channels,
    float input_scale, int32_t input_zero_point,
    float output_scale, int32_t output_zero_point,
    int32_t output_min, int32_t output_max,
    const void* input, void* output);

/* ---- elementwise ---------------------------------------------------------------- */
/* Broadcasting add: output is C-contiguous of shape[0..ndim); a_strides/b_strides are in
   elements (0 on broadcast axes, never negative). ndim in 1...8. */
int32_t qnnps_add_nd(
    int32_t dtype, size_t ndim, const size_t* shape,
    const void* a, const size_t* a_strides, float a_scale, int32_t a_zero_point,
    const void* b, const size_t* b_strides, float b_scale, int32_t b_zero_point,
    float output_scale, int32_t output_zero_point, int32_t output_min, int32_t output_max,
    void* output);
int32_t qnnps_clamp(int32_t dtype, size_t count, int32_t output_min, int32_t output_max,
                    const void* input, void* output);
/* Per-channel layout [outer, channels, inner] with scales/zero points of length
   channels; per-tensor is outer 1, channels 1, inner count. */
int32_t qnnps_quantize(int32_t output_dtype, size_t outer, size_t channels, size_t inner,
                       const float* input, const float* scales, const int32_t* zero_points,
                       void* output);
int32_t qnnps_dequantize(int32_t input_dtype, size_t outer, size_t channels, size_t inner,
                         const void* input, const float* scales, const int32_t* zero_points,
                         float* output);
int32_t qnnps_requantize(int32_t input_dtype, int32_t output_dtype, size_t count,
                         float input_scale, int32_t input_zero_point,
                         float output_scale, int32_t output_zero_point,
                         int32_t output_min, int32_t output_max,
                         const void* input, void* output);

/* Broadcasting multiply, arguments as qnnps_add_nd. */
int32_t qnnps_multiply_nd(
    int32_t dtype, size_t ndim, const size_t* shape,
    const void* a, const size_t* a_strides, float a_scale, int32_t a_zero_point,
    const void* b, const size_t* b_strides, float b_scale, int32_t b_zero_point,
    float output_scale, int32_t output_zero_point, int32_t output_min, int32_t output_max,
    void* output);
/* Concatenation of `count` inputs seen as [outer, inner[i]] into [outer, sum(inner)], each
   requantized from (input_scales[i], input_zero_points[i]) to the output's qparams. */
int32_t qnnps_concatenate(int32_t dtype, size_t count, size_t outer, const size_t* inner,
                          const void* const* inputs, const float* input_scales,
                          const int32_t* input_zero_points, float output_scale,
                          int32_t output_zero_point, int32_t output_min, int32_t output_max,
                          void* output);
/* [rows, groups * group_channels] bytes: output channel j*groups + g = input g*group_channels + j. */
int32_t qnnps_channel_shuffle(size_t rows, size_t groups, size_t group_channels,
                              const void* input, void* output);

/* ---- lookup-table operators: a 256-entry table built at create ------------------------ */
enum qnnps_lookup_function {
  QNNPS_LOOKUP_SIGMOID = 0, QNNPS_LOOKUP_TANH = 1, QNNPS_LOOKUP_HARDSIGMOID = 2,
  QNNPS_LOOKUP_HARDSWISH = 3, QNNPS_LOOKUP_LEAKY_RELU = 4, /* parameter: negative slope */
};
int32_t qnnps_lookup_create(int32_t dtype, int32_t function, double parameter,
                            float input_scale, int32_t input_zero_point,
                            float output_scale, int32_t output_zero_point,
                            int32_t output_min, int32_t output_max, qnnps_operator_t* op_out);
int32_t qnnps_lookup_run(qnnps_operator_t op, size_t count, const void* input, void* output);

/* Softmax of [outer, length, inner] over the middle axis (float64 math, API.md §3). */
int32_t qnnps_softmax(int32_t dtype, size_t outer, size_t length, size_t inner,
                      float input_scale, int32_t input_zero_point,
                      float output_scale, int32_t output_zero_point,
                      int32_t output_min, int32_t output_max, const void* input, void* output);

/* Normalisation of [batch, pixels, channels] in float64 (API.md §3). With mean and variance
   (length channels; variance + eps > 0): inference batch norm with those statistics. With
   both NULL: each sample's `groups` groups of consecutive channels (groups divides channels)
   are normalised by their mean and biased variance over all pixels (group norm; layer norm
   is one pixel, one group). gamma, beta: length channels, or NULL for 1 and 0. eps >= 0. */
int32_t qnnps_normalize_nwc(int32_t dtype, size_t batch, size_t pixels, size_t channels,
                            size_t groups, float input_scale, int32_t input_zero_point,
                            const double* mean, const double* variance, const double* gamma,
                            const double* beta, double eps, float output_scale,
                            int32_t output_zero_point, int32_t output_min, int32_t output_max,
                            const void* input, void* output);

/* Resize [batch, H, W, C] -> [batch, OH, OW, C], qparams kept. mode 0: nearest (PyTorch's
   floor(dst * in/out) in float32); mode 1: bilinear (align_corners 0: half-pixel centres). */
int32_t qnnps_resize2d_nhwc(int32_t dtype, size_t batch, size_t input_height, size_t input_width,
                            size_t channels, size_t output_height, size_t output_width,
                            int32_t mode, int32_t align_corners, const void* input, void* output);

#ifdef __cplusplus
}
#endif
#endif
