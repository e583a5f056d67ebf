/*
 * qnnpack_swift._native — thin CPython wrappers over the C ABI of libQNNPACKSwift.so
 * (include/qnnpack_swift.h).
 *
 * The Python layer (the other modules of the package) validates and converts the user's
 * arguments; this module checks again everything that decides which memory the library
 * reads or writes: every array's dtype, rank, C-contiguity, alignment, byte order and
 * size against the shape parameters, outputs writeable and not overlapping an input.
 * Nothing that reaches a qnnps_* call can make it read or write out of bounds.
 * The GIL is released around every qnnps_* call; each status maps to an exception.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#ifndef NPY_NO_DEPRECATED_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#endif
#define PY_ARRAY_UNIQUE_SYMBOL qnnps_ARRAY_API
#include <numpy/arrayobject.h>

#include <stdint.h>
#include <string.h>

#include "_replay.h"
#include "qnnpack_swift.h"

#define CAPSULE_NAME "qnnpack_swift._native.operator"

enum op_kind {
  OP_CONVOLUTION = 0, OP_FULLY_CONNECTED = 1, OP_DECONVOLUTION = 2, OP_LOCALLY_CONNECTED = 3,
  OP_DYNAMIC_FULLY_CONNECTED = 4, OP_LOOKUP = 5,
};
static const char* const op_kind_names[] = {"convolution", "fully connected",
                                            "transposed convolution", "locally connected",
                                            "dynamic fully connected", "lookup table"};

/* What a capsule holds: the operator and what its run needs to check the arrays. */
typedef struct {
  qnnps_operator_t op;
  int kind;
  int input_dtype;
  size_t input_channels;  /* groups * group_input_channels, or K */
  size_t output_channels; /* C_out */
  size_t output_height, output_width; /* locally connected: the weights' OH, OW */
} native_op;

/* ---- errors ------------------------------------------------------------------- */

/* Sets the exception for a failed status; returns 0 on success, -1 otherwise. */
int check_status(int32_t status, const char* fn, const char* call) {
  if (status == qnnps_status_success) return 0;
  const struct {
    int32_t status;
    PyObject* type;
    const char* what;
  } errors[] = {
      {qnnps_status_invalid_parameter, PyExc_ValueError, "rejected a parameter"},
      {qnnps_status_unsupported_parameter, PyExc_NotImplementedError,
       "does not support these parameters"},
      {qnnps_status_out_of_memory, PyExc_MemoryError, "ran out of memory"},
      {qnnps_status_unsupported_hardware, PyExc_RuntimeError,
       "needs a kernel family this CPU cannot run"},
  };
  static const char* names[] = {"success", "invalid_parameter", "unsupported_parameter",
                                "out_of_memory", "unsupported_hardware"};
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
    if (errors[i].status == status) {
      PyErr_Format(errors[i].type, "%s: %s %s (%s)", fn, call, errors[i].what, names[status]);
      return -1;
    }
  }
  PyErr_Format(PyExc_RuntimeError, "%s: %s returned unknown status %d", fn, call, (int)status);
  return -1;
}

/* Evaluates the library call `call`, which computes nothing a replay needs (a size, a
   name), into `result` with the GIL released. */
#define QUERY_WITHOUT_GIL(result, call) \
  do {                                  \
    Py_BEGIN_ALLOW_THREADS              \
    result = (call);                    \
    Py_END_ALLOW_THREADS                \
  } while (0)

/* The same for a call that is not recorded (perform() makes those that are): a recording
   this thread makes cannot be replayed. */
#define WITHOUT_GIL(result, call)  \
  do {                             \
    replay_poison(#call);          \
    QUERY_WITHOUT_GIL(result, call); \
  } while (0)

/* Calls `function(...)` with the GIL released; on failure raises (naming the wrapper `fn`)
   and returns NULL from the calling wrapper. */
#define CALL_OR_RAISE(fn, function, ...)                       \
  do {                                                         \
    int32_t status_;                                           \
    WITHOUT_GIL(status_, function(__VA_ARGS__));               \
    if (check_status(status_, fn, #function) < 0) return NULL; \
  } while (0)

/* The data pointer of an object already checked to be an ndarray. */
#define DATA(obj) PyArray_DATA((PyArrayObject*)(obj))

/* ---- array checks ---------------------------------------------------------------- */

/* The qnnps_dtype of a uint8/int8 array, or -1. */
static int qdtype_of(PyArrayObject* a) {
  switch (PyArray_TYPE(a)) {
    case NPY_UINT8: return QNNPS_DTYPE_UINT8;
    case NPY_INT8: return QNNPS_DTYPE_INT8;
    default: return -1;
  }
}

static const char* qdtype_name(int dtype) {
  return dtype == QNNPS_DTYPE_INT8 ? "int8" : "uint8";
}

/*
 * Checks that `obj` is an ndarray the library may use as a raw buffer: C-contiguous,
 * aligned, native byte order, writeable when `writeable`. `typenum` is the required NumPy
 * type, or -1 for "uint8 or int8". Returns the array (borrowed) or NULL with TypeError /
 * ValueError set.
 */
static PyArrayObject* buffer_arg(PyObject* obj, const char* fn, const char* name, int typenum,
                                 int writeable) {
  if (!PyArray_Check(obj)) {
    PyErr_Format(PyExc_TypeError, "%s: %s must be a numpy.ndarray", fn, name);
    return NULL;
  }
  PyArrayObject* a = (PyArrayObject*)obj;
  if (typenum < 0 ? qdtype_of(a) < 0 : PyArray_TYPE(a) != typenum) {
    PyArray_Descr* want = typenum < 0 ? NULL : PyArray_DescrFromType(typenum);
    PyErr_Format(PyExc_TypeError, "%s: %s must have dtype %s", fn, name,
                 want ? want->typeobj->tp_name : "uint8 or int8");
    Py_XDECREF(want);
    return NULL;
  }
  if (!PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a) || !PyArray_ISNOTSWAPPED(a)) {
    PyErr_Format(PyExc_ValueError, "%s: %s must be C-contiguous, aligned and in native byte order",
                 fn, name);
    return NULL;
  }
  if (writeable && !PyArray_ISWRITEABLE(a)) {
    PyErr_Format(PyExc_ValueError, "%s: %s must be writeable", fn, name);
    return NULL;
  }
  return a;
}

/* Checks that `a` has exactly the given shape. */
static int check_shape(PyArrayObject* a, const char* fn, const char* name, int ndim,
                       const size_t* shape) {
  int ok = PyArray_NDIM(a) == ndim;
  for (int i = 0; ok && i < ndim; i++) ok = (size_t)PyArray_DIM(a, i) == shape[i];
  if (ok) return 0;
  PyObject* want = PyTuple_New(ndim);
  if (want == NULL) return -1;
  for (int i = 0; i < ndim; i++) PyTuple_SET_ITEM(want, i, PyLong_FromSize_t(shape[i]));
  PyObject* got = PyObject_GetAttrString((PyObject*)a, "shape");
  PyErr_Format(PyExc_ValueError, "%s: %s must have shape %R, got %R", fn, name, want, got);
  Py_DECREF(want);
  Py_XDECREF(got);
  return -1;
}

/* Checks that the 1-D array `a` (float32 or int32 per typenum) has `length` elements. */
static PyArrayObject* vector_arg(PyObject* obj, const char* fn, const char* name, int typenum,
                                 size_t length) {
  PyArrayObject* a = buffer_arg(obj, fn, name, typenum, 0);
  if (a == NULL || check_shape(a, fn, name, 1, &length) < 0) return NULL;
  return a;
}

/* The output must not share memory with an input: the library never writes into inputs. */
static int check_no_overlap(PyArrayObject* out, PyArrayObject* in, const char* fn) {
  const char* o = PyArray_BYTES(out);
  const char* i = PyArray_BYTES(in);
  npy_intp on = PyArray_NBYTES(out), inn = PyArray_NBYTES(in);
  if (on > 0 && inn > 0 && o < i + inn && i < o + on) {
    PyErr_Format(PyExc_ValueError, "%s: the output overlaps an input", fn);
    return -1;
  }
  return 0;
}

/* Parses a non-negative Py_ssize_t argument list into size_t values. */
static int to_sizes(const Py_ssize_t* in, size_t* out, int count, const char* fn) {
  for (int i = 0; i < count; i++) {
    if (in[i] < 0) {
      PyErr_Format(PyExc_ValueError, "%s: sizes must be non-negative", fn);
      return -1;
    }
    out[i] = (size_t)in[i];
  }
  return 0;
}

static int mul_size(size_t a, size_t b, size_t* r, const char* fn) {
  if (b != 0 && a > SIZE_MAX / b) {
    PyErr_Format(PyExc_ValueError, "%s: sizes overflow", fn);
    return -1;
  }
  *r = a * b;
  return 0;
}

static int check_input_dtype_code(int dtype, const char* fn) {
  if (dtype != QNNPS_DTYPE_UINT8 && dtype != QNNPS_DTYPE_INT8) {
    PyErr_Format(PyExc_ValueError, "%s: input_dtype must be 0 (uint8) or 1 (int8)", fn);
    return -1;
  }
  return 0;
}

/* ---- operators with weights (capsules) ------------------------------------------------ */

static void capsule_destructor(PyObject* capsule) {
  native_op* n = (native_op*)PyCapsule_GetPointer(capsule, CAPSULE_NAME);
  if (n == NULL) {
    PyErr_Clear();
    return;
  }
  qnnps_operator_delete(n->op);
  PyMem_Free(n);
}

static PyObject* wrap_operator(qnnps_operator_t op, int kind, int input_dtype,
                               size_t input_channels, size_t output_channels) {
  native_op* n = (native_op*)PyMem_Malloc(sizeof(native_op));
  if (n == NULL) {
    qnnps_operator_delete(op);
    return PyErr_NoMemory();
  }
  n->op = op;
  n->kind = kind;
  n->input_dtype = input_dtype;
  n->input_channels = input_channels;
  n->output_channels = output_channels;
  n->output_height = n->output_width = 0;
  PyObject* capsule = PyCapsule_New(n, CAPSULE_NAME, capsule_destructor);
  if (capsule == NULL) {
    qnnps_operator_delete(op);
    PyMem_Free(n);
  }
  return capsule;
}

/* The capsule of a freshly created operator, or NULL with the exception of a failed create. */
static PyObject* created_operator(int32_t status, qnnps_operator_t op, const char* fn,
                                  const char* call, int kind, int input_dtype,
                                  size_t input_channels, size_t output_channels) {
  if (check_status(status, fn, call) < 0) {
    qnnps_operator_delete(op);
    return NULL;
  }
  return wrap_operator(op, kind, input_dtype, input_channels, output_channels);
}

static native_op* unwrap_operator(PyObject* capsule, int kind, const char* fn) {
  native_op* n = PyCapsule_IsValid(capsule, CAPSULE_NAME)
                     ? (native_op*)PyCapsule_GetPointer(capsule, CAPSULE_NAME) : NULL;
  if (n == NULL || n->kind != kind) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s: expected a %s operator capsule", fn, op_kind_names[kind]);
    return NULL;
  }
  return n;
}

/* A convolution or transposed convolution operator (they share output_size and run). */
static native_op* unwrap_spatial_operator(PyObject* capsule, const char* fn) {
  native_op* n = PyCapsule_IsValid(capsule, CAPSULE_NAME)
                     ? (native_op*)PyCapsule_GetPointer(capsule, CAPSULE_NAME) : NULL;
  if (n == NULL || (n->kind != OP_CONVOLUTION && n->kind != OP_DECONVOLUTION)) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s: expected a convolution operator capsule", fn);
    return NULL;
  }
  return n;
}

/*
 * Checks the weights of a create (shape `shape[ndim]`, uint8 or int8) and the per-output-channel
 * arrays: weight_scales (float32), weight_zero_points (int32) and bias (int32 or None), each
 * of shape[0] elements. Returns the weights array or NULL.
 */
static PyArrayObject* weights_arg(PyObject* weights_obj, const char* fn, int ndim,
                                  const size_t* shape, PyObject* scales, PyObject* zero_points,
                                  PyObject* bias) {
  PyArrayObject* weights = buffer_arg(weights_obj, fn, "weights", -1, 0);
  if (weights == NULL || check_shape(weights, fn, "weights", ndim, shape) < 0 ||
      vector_arg(scales, fn, "weight_scales", NPY_FLOAT32, shape[0]) == NULL ||
      vector_arg(zero_points, fn, "weight_zero_points", NPY_INT32, shape[0]) == NULL ||
      (bias != Py_None && vector_arg(bias, fn, "bias", NPY_INT32, shape[0]) == NULL))
    return NULL;
  return weights;
}

static const int32_t* bias_data(PyObject* bias) {
  return bias == Py_None ? NULL : (const int32_t*)DATA(bias);
}

/* The arguments shared by the create functions:
   (input_dtype, sizes, input_scale, input_zero_point, weights, weight_scales,
    weight_zero_points, bias, output_scale, output_zero_point, output_min, output_max). */
typedef struct {
  int input_dtype, input_zero_point, output_zero_point, output_min, output_max;
  float input_scale, output_scale;
  PyObject *weights, *scales, *zero_points, *bias;
  size_t sizes[16];
} create_args;

/* Parses create arguments whose `sizes` is a tuple of `count` non-negative ints. */
static int parse_create_args(PyObject* args, const char* fn, Py_ssize_t count, create_args* a) {
  PyObject* sizes;
  if (!PyArg_ParseTuple(args, "iO!fiOOOOfiii", &a->input_dtype, &PyTuple_Type, &sizes,
                        &a->input_scale, &a->input_zero_point, &a->weights, &a->scales,
                        &a->zero_points, &a->bias, &a->output_scale, &a->output_zero_point,
                        &a->output_min, &a->output_max) ||
      check_input_dtype_code(a->input_dtype, fn) < 0)
    return -1;
  if (PyTuple_GET_SIZE(sizes) != count) {
    PyErr_Format(PyExc_ValueError, "%s: sizes must be a tuple of %zd ints", fn, count);
    return -1;
  }
  Py_ssize_t values[16];
  for (Py_ssize_t i = 0; i < count; i++) {
    values[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(sizes, i));
    if (values[i] == -1 && PyErr_Occurred()) return -1;
  }
  return to_sizes(values, a->sizes, (int)count, fn);
}

/* conv2d_create (13 sizes) and deconv2d_create (15: with the output padding). */
static PyObject* spatial_create(PyObject* args, const char* fn, int transposed) {
  create_args a;
  size_t cout, cin;
  if (parse_create_args(args, fn, transposed ? 15 : 13, &a) < 0) return NULL;
  const size_t* s = a.sizes;
  const size_t groups = s[0], gic = s[1], goc = s[2], kh = s[3], kw = s[4];
  if (mul_size(groups, goc, &cout, fn) < 0 || mul_size(groups, gic, &cin, fn) < 0) return NULL;
  const size_t wshape[4] = {cout, kh, kw, gic};
  PyArrayObject* weights = weights_arg(a.weights, fn, 4, wshape, a.scales, a.zero_points, a.bias);
  if (weights == NULL) return NULL;
  qnnps_operator_t op = NULL;
  int32_t status;
  if (transposed) {
    WITHOUT_GIL(status, qnnps_deconvolution2d_nhwc_create(
        a.input_dtype, qdtype_of(weights), groups, gic, goc, kh, kw, s[5], s[6], s[7], s[8], s[9],
        s[10], s[11], s[12], s[13], s[14], a.input_scale, a.input_zero_point, DATA(weights),
        DATA(a.scales), DATA(a.zero_points), bias_data(a.bias), a.output_scale,
        a.output_zero_point, a.output_min, a.output_max, &op));
  } else {
    WITHOUT_GIL(status, qnnps_convolution2d_nhwc_create(
        a.input_dtype, qdtype_of(weights), groups, gic, goc, kh, kw, s[5], s[6], s[7], s[8], s[9],
        s[10], s[11], s[12], a.input_scale, a.input_zero_point, DATA(weights), DATA(a.scales),
        DATA(a.zero_points), bias_data(a.bias), a.output_scale, a.output_zero_point, a.output_min,
        a.output_max, &op));
  }
  return created_operator(status, op, fn, "create", transposed ? OP_DECONVOLUTION : OP_CONVOLUTION,
                          a.input_dtype, cin, cout);
}

static PyObject* py_conv2d_create(PyObject* self, PyObject* args) {
  return spatial_create(args, "conv2d_create", 0);
}

static PyObject* py_deconv2d_create(PyObject* self, PyObject* args) {
  return spatial_create(args, "deconv2d_create", 1);
}

/* Output size of a (transposed) convolution operator for an input size; -1 with ValueError
   if the input is too small. */
static int conv_output_size(native_op* n, size_t h, size_t w, size_t* oh, size_t* ow,
                            const char* fn) {
  int32_t status;
  if (n->kind == OP_DECONVOLUTION) {
    QUERY_WITHOUT_GIL(status, qnnps_deconvolution2d_nhwc_output_size(n->op, h, w, oh, ow));
  } else {
    QUERY_WITHOUT_GIL(status, qnnps_convolution2d_nhwc_output_size(n->op, h, w, oh, ow));
  }
  if (status == qnnps_status_invalid_parameter) {
    PyErr_Format(PyExc_ValueError, "%s: input of size %zux%zu is empty or too small for the "
                 "kernel and padding", fn, h, w);
    return -1;
  }
  return check_status(status, fn, "output_size");
}

static PyObject* py_conv2d_output_size(PyObject* self, PyObject* args) {
  const char* fn = "conv2d_output_size";
  PyObject* capsule;
  Py_ssize_t hw[2];
  if (!PyArg_ParseTuple(args, "Onn:conv2d_output_size", &capsule, &hw[0], &hw[1])) return NULL;
  native_op* n = unwrap_spatial_operator(capsule, fn);
  size_t s[2], oh, ow;
  if (n == NULL || to_sizes(hw, s, 2, fn) < 0 || conv_output_size(n, s[0], s[1], &oh, &ow, fn) < 0)
    return NULL;
  return Py_BuildValue("(nn)", (Py_ssize_t)oh, (Py_ssize_t)ow);
}

/* Checks the activation array of a run against the operator's dtype and rank. */
static PyArrayObject* activation_arg(PyObject* obj, native_op* n, const char* fn, const char* name,
                                     int ndim, int writeable) {
  PyArrayObject* a = buffer_arg(obj, fn, name, -1, writeable);
  if (a == NULL) return NULL;
  if (qdtype_of(a) != n->input_dtype) {
    PyErr_Format(PyExc_TypeError, "%s: %s must have dtype %s (the operator's input dtype)", fn,
                 name, qdtype_name(n->input_dtype));
    return NULL;
  }
  if (PyArray_NDIM(a) != ndim) {
    PyErr_Format(PyExc_ValueError, "%s: %s must be %d-D", fn, name, ndim);
    return NULL;
  }
  return a;
}

/* The input and writable output activations of a run, both `ndim`-D; 0, or -1 with an
   exception set. */
static int activation_args(PyObject* input_obj, PyObject* output_obj, native_op* n, const char* fn,
                           int ndim, PyArrayObject** input, PyArrayObject** output) {
  *input = activation_arg(input_obj, n, fn, "input", ndim, 0);
  *output = *input ? activation_arg(output_obj, n, fn, "output", ndim, 1) : NULL;
  return *output == NULL ? -1 : 0;
}

/* Checks a run's input and output shapes and that the output does not overlap the input. */
static int check_run_shapes(PyArrayObject* input, PyArrayObject* output, const char* fn, int ndim,
                            const size_t* ishape, const size_t* oshape) {
  if (check_shape(input, fn, "input", ndim, ishape) < 0 ||
      check_shape(output, fn, "output", ndim, oshape) < 0 || check_no_overlap(output, input, fn) < 0)
    return -1;
  return 0;
}

/* ---- recorded calls: what each makes, and the wrappers' common end -------------------- */

static int32_t invoke_conv2d(const call* c) {
  return qnnps_convolution2d_nhwc_run(c->op, c->size[0], c->size[1], c->size[2], c->in[0], c->out);
}

static int32_t invoke_deconv2d(const call* c) {
  return qnnps_deconvolution2d_nhwc_run(c->op, c->size[0], c->size[1], c->size[2], c->in[0],
                                        c->out);
}

/* Performs `c` on the checked arrays (input, output) of a unary operator, `holder` (an
   operator capsule, or NULL) holding what else it uses; 0, or -1 with the exception. */
static int perform_unary(call* c, PyObject* holder, PyArrayObject* input, PyArrayObject* output) {
  call_input(c, 0, (PyObject*)input);
  call_output(c, (PyObject*)output);
  PyObject* const keep[] = {(PyObject*)input, (PyObject*)output, holder, NULL};
  return perform(c, keep);
}

/* perform_unary as a wrapper's result: None, or NULL with the exception. */
static PyObject* run_call(call* c, PyObject* holder, PyArrayObject* input, PyArrayObject* output) {
  if (perform_unary(c, holder, input, output) < 0) return NULL;
  Py_RETURN_NONE;
}

static PyObject* py_conv2d_run(PyObject* self, PyObject* args) {
  const char* fn = "conv2d_run";
  PyObject *capsule, *input_obj, *output_obj;
  if (!PyArg_ParseTuple(args, "OOO:conv2d_run", &capsule, &input_obj, &output_obj)) return NULL;
  native_op* n = unwrap_spatial_operator(capsule, fn);
  PyArrayObject *input, *output;
  if (n == NULL || activation_args(input_obj, output_obj, n, fn, 4, &input, &output) < 0)
    return NULL;
  const size_t batch = PyArray_DIM(input, 0), h = PyArray_DIM(input, 1), w = PyArray_DIM(input, 2);
  if ((size_t)PyArray_DIM(input, 3) != n->input_channels) {
    PyErr_Format(PyExc_ValueError, "%s: input must have %zu channels, got %zd", fn,
                 n->input_channels, (Py_ssize_t)PyArray_DIM(input, 3));
    return NULL;
  }
  size_t oh, ow;
  if (conv_output_size(n, h, w, &oh, &ow, fn) < 0) return NULL;
  const size_t oshape[4] = {batch, oh, ow, n->output_channels};
  if (check_shape(output, fn, "output", 4, oshape) < 0 || check_no_overlap(output, input, fn) < 0)
    return NULL;
  const int deconv = n->kind == OP_DECONVOLUTION;
  call c = {deconv ? invoke_deconv2d : invoke_conv2d, fn,
            deconv ? "qnnps_deconvolution2d_nhwc_run" : "qnnps_convolution2d_nhwc_run", n->op,
            .size = {batch, h, w}};
  return run_call(&c, capsule, input, output);
}

static PyObject* py_locally_connected2d_create(PyObject* self, PyObject* args) {
  const char* fn = "locally_connected2d_create";
  create_args a;
  if (parse_create_args(args, fn, 14, &a) < 0) return NULL;
  const size_t* s = a.sizes;
  const size_t oh = s[0], ow = s[1], cin = s[2], cout = s[3];
  const size_t wshape[6] = {oh, ow, cout, s[4], s[5], cin}, bshape[3] = {oh, ow, cout};
  PyArrayObject* weights = buffer_arg(a.weights, fn, "weights", -1, 0);
  if (weights == NULL || check_shape(weights, fn, "weights", 6, wshape) < 0 ||
      vector_arg(a.scales, fn, "weight_scales", NPY_FLOAT32, cout) == NULL ||
      vector_arg(a.zero_points, fn, "weight_zero_points", NPY_INT32, cout) == NULL)
    return NULL;
  if (a.bias != Py_None) {
    PyArrayObject* bias = buffer_arg(a.bias, fn, "bias", NPY_INT32, 0);
    if (bias == NULL || check_shape(bias, fn, "bias", 3, bshape) < 0) return NULL;
  }
  qnnps_operator_t op = NULL;
  int32_t status;
  WITHOUT_GIL(status, qnnps_locally_connected2d_nhwc_create(
      a.input_dtype, qdtype_of(weights), oh, ow, cin, cout, s[4], s[5], s[6], s[7], s[8], s[9],
      s[10], s[11], s[12], s[13], a.input_scale, a.input_zero_point, DATA(weights),
      DATA(a.scales), DATA(a.zero_points), bias_data(a.bias), a.output_scale,
      a.output_zero_point, a.output_min, a.output_max, &op));
  PyObject* capsule = created_operator(status, op, fn, "qnnps_locally_connected2d_nhwc_create",
                                       OP_LOCALLY_CONNECTED, a.input_dtype, cin, cout);
  if (capsule != NULL) {
    native_op* n = (native_op*)PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    n->output_height = oh;
    n->output_width = ow;
  }
  return capsule;
}

static PyObject* py_locally_connected2d_run(PyObject* self, PyObject* args) {
  const char* fn = "locally_connected2d_run";
  PyObject *capsule, *input_obj, *output_obj;
  if (!PyArg_ParseTuple(args, "OOO:locally_connected2d_run", &capsule, &input_obj, &output_obj))
    return NULL;
  native_op* n = unwrap_operator(capsule, OP_LOCALLY_CONNECTED, fn);
  PyArrayObject *input, *output;
  if (n == NULL || activation_args(input_obj, output_obj, n, fn, 4, &input, &output) < 0)
    return NULL;
  const size_t batch = PyArray_DIM(input, 0), h = PyArray_DIM(input, 1), w = PyArray_DIM(input, 2);
  const size_t ishape[4] = {batch, h, w, n->input_channels};
  const size_t oshape[4] = {batch, n->output_height, n->output_width, n->output_channels};
  if (check_run_shapes(input, output, fn, 4, ishape, oshape) < 0) return NULL;
  CALL_OR_RAISE(fn, qnnps_locally_connected2d_nhwc_run, n->op, batch, h, w, DATA(input),
                DATA(output));
  Py_RETURN_NONE;
}

static PyObject* py_fully_connected_create(PyObject* self, PyObject* args) {
  const char* fn = "fully_connected_create";
  create_args a;
  if (parse_create_args(args, fn, 2, &a) < 0) return NULL;
  const size_t k = a.sizes[0], cout = a.sizes[1];
  const size_t wshape[2] = {cout, k};
  PyArrayObject* weights = weights_arg(a.weights, fn, 2, wshape, a.scales, a.zero_points, a.bias);
  if (weights == NULL) return NULL;
  qnnps_operator_t op = NULL;
  int32_t status;
  WITHOUT_GIL(status, qnnps_fully_connected_create(
      a.input_dtype, qdtype_of(weights), k, cout, a.input_scale, a.input_zero_point,
      DATA(weights), DATA(a.scales), DATA(a.zero_points), bias_data(a.bias), a.output_scale,
      a.output_zero_point, a.output_min, a.output_max, &op));
  return created_operator(status, op, fn, "qnnps_fully_connected_create", OP_FULLY_CONNECTED,
                          a.input_dtype, k, cout);
}

static int32_t invoke_fully_connected(const call* c) {
  return qnnps_fully_connected_run(c->op, c->size[0], c->in[0], c->out);
}

static PyObject* py_fully_connected_run(PyObject* self, PyObject* args) {
  const char* fn = "fully_connected_run";
  PyObject *capsule, *input_obj, *output_obj;
  if (!PyArg_ParseTuple(args, "OOO:fully_connected_run", &capsule, &input_obj, &output_obj))
    return NULL;
  native_op* n = unwrap_operator(capsule, OP_FULLY_CONNECTED, fn);
  PyArrayObject *input, *output;
  if (n == NULL || activation_args(input_obj, output_obj, n, fn, 2, &input, &output) < 0)
    return NULL;
  const size_t batch = PyArray_DIM(input, 0);
  const size_t ishape[2] = {batch, n->input_channels}, oshape[2] = {batch, n->output_channels};
  if (check_run_shapes(input, output, fn, 2, ishape, oshape) < 0) return NULL;
  if (batch == 0) Py_RETURN_NONE;
  call c = {invoke_fully_connected, fn, "qnnps_fully_connected_run", n->op, .size = {batch}};
  return run_call(&c, capsule, input, output);
}

static PyObject* py_dynamic_fully_connected_create(PyObject* self, PyObject* args) {
  const char* fn = "dynamic_fully_connected_create";
  PyObject *weights_obj, *scales, *zero_points;
  if (!PyArg_ParseTuple(args, "OOO:dynamic_fully_connected_create", &weights_obj, &scales,
                        &zero_points))
    return NULL;
  PyArrayObject* weights = buffer_arg(weights_obj, fn, "weights", -1, 0);
  if (weights == NULL) return NULL;
  if (PyArray_NDIM(weights) != 2) {
    PyErr_Format(PyExc_ValueError, "%s: weights must be 2-D [C_out, K]", fn);
    return NULL;
  }
  const size_t cout = PyArray_DIM(weights, 0), k = PyArray_DIM(weights, 1);
  if (weights_arg(weights_obj, fn, 2, (size_t[]){cout, k}, scales, zero_points, Py_None) == NULL)
    return NULL;
  qnnps_operator_t op = NULL;
  int32_t status;
  WITHOUT_GIL(status, qnnps_dynamic_fully_connected_create(qdtype_of(weights), k, cout,
                                                           DATA(weights), DATA(scales),
                                                           DATA(zero_points), &op));
  return created_operator(status, op, fn, "qnnps_dynamic_fully_connected_create",
                          OP_DYNAMIC_FULLY_CONNECTED, QNNPS_DTYPE_UINT8, k, cout);
}

static PyObject* py_dynamic_fully_connected_run(PyObject* self, PyObject* args) {
  const char* fn = "dynamic_fully_connected_run";
  PyObject *capsule, *input_obj, *output_obj;
  float input_scale;
  int input_zero_point;
  if (!PyArg_ParseTuple(args, "OOOfi:dynamic_fully_connected_run", &capsule, &input_obj,
                        &output_obj, &input_scale, &input_zero_point))
    return NULL;
  native_op* n = unwrap_operator(capsule, OP_DYNAMIC_FULLY_CONNECTED, fn);
  if (n == NULL) return NULL;
  PyArrayObject* input = activation_arg(input_obj, n, fn, "input", 2, 0);
  PyArrayObject* output = input ? buffer_arg(output_obj, fn, "output", NPY_FLOAT32, 1) : NULL;
  if (output == NULL) return NULL;
  const size_t batch = PyArray_DIM(input, 0);
  const size_t ishape[2] = {batch, n->input_channels}, oshape[2] = {batch, n->output_channels};
  if (check_run_shapes(input, output, fn, 2, ishape, oshape) < 0) return NULL;
  if (batch == 0) Py_RETURN_NONE;
  CALL_OR_RAISE(fn, qnnps_dynamic_fully_connected_run, n->op, batch, DATA(input), input_scale,
                input_zero_point, (float*)DATA(output));
  Py_RETURN_NONE;
}

/* ---- pooling ------------------------------------------------------------------------ */

/*
 * Checks an NHWC pooling input/output pair against the window parameters
 * w = {kh, kw, sh, sw, dh, dw, pt, pl, pb, pr}; returns the input dims in dims[4].
 */
static int check_pool_arrays(PyObject* input_obj, PyObject* output_obj, const size_t* w,
                             const char* fn, PyArrayObject** input, PyArrayObject** output,
                             size_t* dims) {
  *input = buffer_arg(input_obj, fn, "input", -1, 0);
  if (*input == NULL) return -1;
  *output = buffer_arg(output_obj, fn, "output", PyArray_TYPE(*input), 1);
  if (*output == NULL) return -1;
  if (PyArray_NDIM(*input) != 4) {
    PyErr_Format(PyExc_ValueError, "%s: input must be 4-D (NHWC)", fn);
    return -1;
  }
  for (int i = 0; i < 4; i++) dims[i] = PyArray_DIM(*input, i);
  for (int i = 0; i < 6; i++) {
    if (w[i] == 0) {
      PyErr_Format(PyExc_ValueError, "%s: kernel size, stride and dilation must be >= 1", fn);
      return -1;
    }
  }
  if (dims[1] == 0 || dims[2] == 0 || dims[3] == 0) {
    PyErr_Format(PyExc_ValueError, "%s: input height, width and channels must be >= 1", fn);
    return -1;
  }
  size_t out[2];
  for (int a = 0; a < 2; a++) {
    size_t eff, padded = dims[1 + a] + w[6 + a] + w[8 + a];
    if (mul_size(w[a] - 1, w[4 + a], &eff, fn) < 0) return -1;
    if (padded < dims[1 + a] || eff + 1 > padded) {
      PyErr_Format(PyExc_ValueError, "%s: the pooling window is larger than the padded input", fn);
      return -1;
    }
    out[a] = (padded - eff - 1) / w[2 + a] + 1;
  }
  const size_t oshape[4] = {dims[0], out[0], out[1], dims[3]};
  if (check_shape(*output, fn, "output", 4, oshape) < 0) return -1;
  return check_no_overlap(*output, *input, fn);
}

static int32_t invoke_max_pool2d(const call* c) {
  const size_t* s = c->size;
  return qnnps_max_pool2d_nhwc(c->integer[0], s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8],
                               s[9], s[10], s[11], s[12], s[13], c->integer[1], c->integer[2],
                               c->in[0], c->out);
}

static PyObject* py_max_pool2d(PyObject* self, PyObject* args) {
  const char* fn = "max_pool2d";
  PyObject *input_obj, *output_obj;
  Py_ssize_t p[10];
  int output_min, output_max;
  if (!PyArg_ParseTuple(args, "OOnnnnnnnnnnii:max_pool2d", &input_obj, &output_obj, &p[0], &p[1],
                        &p[2], &p[3], &p[4], &p[5], &p[6], &p[7], &p[8], &p[9], &output_min,
                        &output_max))
    return NULL;
  size_t w[10], d[4];
  PyArrayObject *input, *output;
  if (to_sizes(p, w, 10, fn) < 0 || check_pool_arrays(input_obj, output_obj, w, fn, &input,
                                                       &output, d) < 0)
    return NULL;
  if (d[0] == 0) Py_RETURN_NONE;
  call c = {invoke_max_pool2d, fn, "qnnps_max_pool2d_nhwc", .integer = {qdtype_of(input),
            output_min, output_max}};
  memcpy(c.size, d, sizeof d);
  memcpy(c.size + 4, w, sizeof w);
  return run_call(&c, NULL, input, output);
}

static int32_t invoke_avg_pool2d(const call* c) {
  const size_t* s = c->size;
  const int32_t* i = c->integer;
  return qnnps_avg_pool2d_nhwc(i[0], s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9],
                               s[10], s[11], i[1], c->real[0], i[2], c->real[1], i[3], i[4], i[5],
                               c->in[0], c->out);
}

static PyObject* py_avg_pool2d(PyObject* self, PyObject* args) {
  const char* fn = "avg_pool2d";
  PyObject *input_obj, *output_obj;
  Py_ssize_t p[8];
  int count_include_pad, input_zero_point, output_zero_point, output_min, output_max;
  float input_scale, output_scale;
  if (!PyArg_ParseTuple(args, "OOnnnnnnnnpfifiii:avg_pool2d", &input_obj, &output_obj, &p[0], &p[1],
                        &p[2], &p[3], &p[4], &p[5], &p[6], &p[7], &count_include_pad,
                        &input_scale, &input_zero_point, &output_scale, &output_zero_point,
                        &output_min, &output_max))
    return NULL;
  size_t s[8], d[4];
  PyArrayObject *input, *output;
  if (to_sizes(p, s, 8, fn) < 0) return NULL;
  const size_t w[10] = {s[0], s[1], s[2], s[3], 1, 1, s[4], s[5], s[6], s[7]};
  if (check_pool_arrays(input_obj, output_obj, w, fn, &input, &output, d) < 0) return NULL;
  if (d[0] == 0) Py_RETURN_NONE;
  call c = {invoke_avg_pool2d, fn, "qnnps_avg_pool2d_nhwc",
            .integer = {qdtype_of(input), count_include_pad, input_zero_point, output_zero_point,
                        output_min, output_max},
            .real = {input_scale, output_scale}};
  memcpy(c.size, d, sizeof d);
  memcpy(c.size + 4, s, sizeof s);
  return run_call(&c, NULL, input, output);
}

static int32_t invoke_global_avg_pool(const call* c) {
  const int32_t* i = c->integer;
  return qnnps_global_avg_pool_nwc(i[0], c->size[0], c->size[1], c->size[2], c->real[0], i[1],
                                   c->real[1], i[2], i[3], i[4], c->in[0], c->out);
}

static PyObject* py_global_avg_pool(PyObject* self, PyObject* args) {
  const char* fn = "global_avg_pool";
  PyObject *input_obj, *output_obj;
  int input_zero_point, output_zero_point, output_min, output_max;
  float input_scale, output_scale;
  if (!PyArg_ParseTuple(args, "OOfifiii:global_avg_pool", &input_obj, &output_obj, &input_scale,
                        &input_zero_point, &output_scale, &output_zero_point, &output_min,
                        &output_max))
    return NULL;
  PyObject* created = NULL; /* the output made here when output_obj is None */
  if (output_obj == Py_None) {
    /* The fast path of the Python layer: a new [batch, channels] output for a C-contiguous
       3-D or 4-D q-array; NotImplemented (take the checked path) for anything else. */
    PyArrayObject* pi = (PyArrayObject*)input_obj;
    if (!PyArray_CheckExact(input_obj) || qdtype_of(pi) < 0 || !PyArray_IS_C_CONTIGUOUS(pi) ||
        (PyArray_NDIM(pi) != 3 && PyArray_NDIM(pi) != 4))
      Py_RETURN_NOTIMPLEMENTED;
    npy_intp dims[2] = {PyArray_DIM(pi, 0), PyArray_DIM(pi, PyArray_NDIM(pi) - 1)};
    created = PyArray_SimpleNew(2, dims, PyArray_TYPE(pi));
    if (created == NULL) return NULL;
    output_obj = created;
  }
  PyArrayObject* input = buffer_arg(input_obj, fn, "input", -1, 0);
  PyArrayObject* output =
      input ? buffer_arg(output_obj, fn, "output", PyArray_TYPE(input), 1) : NULL;
  if (output == NULL) goto fail;
  /* [batch, height, width, channels] is [batch, height · width, channels]. */
  const int ndim = PyArray_NDIM(input);
  if (ndim != 3 && ndim != 4) {
    PyErr_Format(PyExc_ValueError,
                 "%s: input must be 3-D [batch, pixels, channels] or 4-D [batch, height, width, "
                 "channels]", fn);
    goto fail;
  }
  const size_t batch = PyArray_DIM(input, 0), channels = PyArray_DIM(input, ndim - 1),
               pixels = ndim == 3 ? (size_t)PyArray_DIM(input, 1)
                                  : (size_t)PyArray_DIM(input, 1) * (size_t)PyArray_DIM(input, 2);
  if (pixels == 0 || channels == 0) {
    PyErr_Format(PyExc_ValueError, "%s: pixels and channels must be >= 1", fn);
    goto fail;
  }
  const size_t oshape[2] = {batch, channels};
  if (check_shape(output, fn, "output", 2, oshape) < 0 || check_no_overlap(output, input, fn) < 0)
    goto fail;
  if (batch == 0) goto done;
  call c = {invoke_global_avg_pool, fn, "qnnps_global_avg_pool_nwc",
            .size = {batch, pixels, channels},
            .integer = {qdtype_of(input), input_zero_point, output_zero_point, output_min,
                        output_max},
            .real = {input_scale, output_scale}};
  if (perform_unary(&c, NULL, input, output) < 0) goto fail;
done:
  if (created != NULL) return created;
  Py_RETURN_NONE;
fail:
  Py_XDECREF(created);
  return NULL;
}

/* ---- elementwise ---------------------------------------------------------------------- */

#define ADD_MAX_DIMS 8

/*
 * Element strides of the C-contiguous array `a` broadcast to the output shape `shape[ndim]`
 * (0 on broadcast axes); -1 with ValueError when `a` does not broadcast to it.
 */
static int broadcast_strides(PyArrayObject* a, int ndim, const size_t* shape, size_t* strides,
                             const char* fn, const char* name) {
  const int an = PyArray_NDIM(a);
  if (an > ndim) goto bad;
  size_t step = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    const int ai = i - (ndim - an);
    const size_t dim = ai >= 0 ? (size_t)PyArray_DIM(a, ai) : 1;
    if (dim == shape[i]) {
      strides[i] = dim == 1 ? 0 : step;
    } else if (dim == 1) {
      strides[i] = 0;
    } else {
      goto bad;
    }
    step *= dim;
  }
  return 0;
bad:
  PyErr_Format(PyExc_ValueError, "%s: %s does not broadcast to the output shape", fn, name);
  return -1;
}

/* size: ndim, then shape, a's and b's strides (ADD_MAX_DIMS each). */
#define BINARY_ARGUMENTS(c)                                                                   \
  c->integer[0], c->size[0], c->size + 1, c->in[0], c->size + 1 + ADD_MAX_DIMS, c->real[0],  \
      c->integer[1], c->in[1], c->size + 1 + 2 * ADD_MAX_DIMS, c->real[1], c->integer[2],      \
      c->real[2], c->integer[3], c->integer[4], c->integer[5], c->out

static int32_t invoke_add(const call* c) { return qnnps_add_nd(BINARY_ARGUMENTS(c)); }

static int32_t invoke_multiply(const call* c) { return qnnps_multiply_nd(BINARY_ARGUMENTS(c)); }

/* add and multiply: the same arguments, broadcasting and checks. */
static PyObject* binary_op(PyObject* args, const char* fn, int32_t (*invoke)(const call*),
                           const char* function) {
  PyObject *a_obj, *b_obj, *output_obj;
  float a_scale, b_scale, output_scale;
  int a_zero_point, b_zero_point, output_zero_point, output_min, output_max;
  if (!PyArg_ParseTuple(args, "OOOfififiii", &a_obj, &b_obj, &output_obj, &a_scale,
                        &a_zero_point, &b_scale, &b_zero_point, &output_scale, &output_zero_point,
                        &output_min, &output_max))
    return NULL;
  PyObject* created = NULL; /* the output made here when output_obj is None */
  if (output_obj == Py_None) {
    /* The fast path of the Python layer: a new output for two C-contiguous q-arrays of one
       shape and dtype; NotImplemented (take the checked path) for anything else. */
    PyArrayObject *pa = (PyArrayObject*)a_obj, *pb = (PyArrayObject*)b_obj;
    if (!PyArray_CheckExact(a_obj) || !PyArray_CheckExact(b_obj) || qdtype_of(pa) < 0 ||
        PyArray_TYPE(pb) != PyArray_TYPE(pa) || !PyArray_IS_C_CONTIGUOUS(pa) ||
        !PyArray_IS_C_CONTIGUOUS(pb) || !PyArray_SAMESHAPE(pa, pb))
      Py_RETURN_NOTIMPLEMENTED;
    created = PyArray_SimpleNew(PyArray_NDIM(pa), PyArray_DIMS(pa), PyArray_TYPE(pa));
    if (created == NULL) return NULL;
    output_obj = created;
  }
  PyArrayObject* a = buffer_arg(a_obj, fn, "a", -1, 0);
  PyArrayObject* b = a ? buffer_arg(b_obj, fn, "b", PyArray_TYPE(a), 0) : NULL;
  PyArrayObject* output = b ? buffer_arg(output_obj, fn, "output", PyArray_TYPE(a), 1) : NULL;
  if (output == NULL || check_no_overlap(output, a, fn) < 0 || check_no_overlap(output, b, fn) < 0)
    goto fail;
  const int ndim = PyArray_NDIM(output);
  size_t shape[NPY_MAXDIMS], sa[NPY_MAXDIMS], sb[NPY_MAXDIMS];
  for (int i = 0; i < ndim; i++) shape[i] = PyArray_DIM(output, i);
  if (broadcast_strides(a, ndim, shape, sa, fn, "a") < 0 ||
      broadcast_strides(b, ndim, shape, sb, fn, "b") < 0)
    goto fail;
  if (PyArray_SIZE(output) == 0) goto done;
  /* Drop size-1 axes and merge axes both inputs traverse contiguously, so any rank and
     any broadcast reach the library in at most a few dimensions. */
  size_t cshape[NPY_MAXDIMS], ca[NPY_MAXDIMS], cb[NPY_MAXDIMS];
  int cn = 0;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 1) continue;
    if (cn > 0 && ca[cn - 1] == sa[i] * shape[i] && cb[cn - 1] == sb[i] * shape[i]) {
      cshape[cn - 1] *= shape[i];
      ca[cn - 1] = sa[i];
      cb[cn - 1] = sb[i];
    } else {
      cshape[cn] = shape[i];
      ca[cn] = sa[i];
      cb[cn] = sb[i];
      cn++;
    }
  }
  if (cn == 0) {
    cshape[0] = 1;
    ca[0] = cb[0] = 0;
    cn = 1;
  }
  if (cn > ADD_MAX_DIMS) {
    PyErr_Format(PyExc_ValueError, "%s: the broadcast needs %d dimensions after merging; "
                 "at most %d are supported", fn, cn, ADD_MAX_DIMS);
    goto fail;
  }
  call c = {invoke, fn, function, .size = {(size_t)cn},
            .integer = {qdtype_of(a), a_zero_point, b_zero_point, output_zero_point, output_min,
                        output_max},
            .real = {a_scale, b_scale, output_scale}};
  memcpy(c.size + 1, cshape, cn * sizeof(size_t));
  memcpy(c.size + 1 + ADD_MAX_DIMS, ca, cn * sizeof(size_t));
  memcpy(c.size + 1 + 2 * ADD_MAX_DIMS, cb, cn * sizeof(size_t));
  call_input(&c, 0, (PyObject*)a);
  call_input(&c, 1, (PyObject*)b);
  call_output(&c, (PyObject*)output);
  PyObject* const keep[] = {(PyObject*)a, (PyObject*)b, (PyObject*)output, NULL};
  if (perform(&c, keep) < 0) goto fail;
done:
  if (created != NULL) return created;
  Py_RETURN_NONE;
fail:
  Py_XDECREF(created);
  return NULL;
}

static PyObject* py_add(PyObject* self, PyObject* args) {
  return binary_op(args, "add", invoke_add, "qnnps_add_nd");
}

static PyObject* py_multiply(PyObject* self, PyObject* args) {
  return binary_op(args, "multiply", invoke_multiply, "qnnps_multiply_nd");
}

#define SAME_AS_INPUT (-2)

/* Checks an elementwise input/output pair: same element count, output writeable.
   Types as for buffer_arg; output_type SAME_AS_INPUT requires the input's dtype. */
static int check_elementwise(PyObject* input_obj, PyObject* output_obj, int input_type,
                             int output_type, const char* fn, PyArrayObject** input,
                             PyArrayObject** output) {
  *input = buffer_arg(input_obj, fn, "input", input_type, 0);
  if (*input == NULL) return -1;
  if (output_type == SAME_AS_INPUT) output_type = PyArray_TYPE(*input);
  *output = buffer_arg(output_obj, fn, "output", output_type, 1);
  if (*output == NULL) return -1;
  if (PyArray_SIZE(*input) != PyArray_SIZE(*output)) {
    PyErr_Format(PyExc_ValueError, "%s: input and output must have the same number of elements",
                 fn);
    return -1;
  }
  return check_no_overlap(*output, *input, fn);
}

static int32_t invoke_clamp(const call* c) {
  return qnnps_clamp(c->integer[0], c->size[0], c->integer[1], c->integer[2], c->in[0], c->out);
}

static PyObject* py_clamp(PyObject* self, PyObject* args) {
  const char* fn = "clamp";
  PyObject *input_obj, *output_obj;
  int output_min, output_max;
  if (!PyArg_ParseTuple(args, "OOii:clamp", &input_obj, &output_obj, &output_min, &output_max))
    return NULL;
  PyArrayObject *input, *output;
  if (check_elementwise(input_obj, output_obj, -1, SAME_AS_INPUT, fn, &input, &output) < 0)
    return NULL;
  const size_t count = PyArray_SIZE(input);
  if (count == 0) Py_RETURN_NONE;
  call c = {invoke_clamp, fn, "qnnps_clamp", .size = {count},
            .integer = {qdtype_of(input), output_min, output_max}};
  return run_call(&c, NULL, input, output);
}

/*
 * Parses (input, output, outer, channels, inner, scales, zero_points) of (de)quantize and
 * checks the arrays: the [outer, channels, inner] layout must cover exactly the input's and
 * the output's elements, scales (float32) and zero_points (int32) have `channels` elements.
 */
static int parse_channel_args(PyObject* args, const char* fn, int input_type, int output_type,
                              PyArrayObject** input, PyArrayObject** output, PyObject** scales,
                              PyObject** zero_points, size_t* s) {
  PyObject *input_obj, *output_obj;
  Py_ssize_t p[3];
  size_t count;
  if (!PyArg_ParseTuple(args, "OOnnnOO", &input_obj, &output_obj, &p[0], &p[1], &p[2], scales,
                        zero_points) ||
      check_elementwise(input_obj, output_obj, input_type, output_type, fn, input, output) < 0 ||
      to_sizes(p, s, 3, fn) < 0 || mul_size(s[0], s[1], &count, fn) < 0 ||
      mul_size(count, s[2], &count, fn) < 0)
    return -1;
  if ((size_t)PyArray_SIZE(*input) != count) {
    PyErr_Format(PyExc_ValueError, "%s: outer * channels * inner must equal the element count", fn);
    return -1;
  }
  if (vector_arg(*scales, fn, "scales", NPY_FLOAT32, s[1]) == NULL ||
      vector_arg(*zero_points, fn, "zero_points", NPY_INT32, s[1]) == NULL)
    return -1;
  return 0;
}

static int32_t invoke_quantize(const call* c) {
  return qnnps_quantize(c->integer[0], c->size[0], c->size[1], c->size[2], c->in[0],
                        c->parameters[0], c->parameters[1], c->out);
}

static int32_t invoke_dequantize(const call* c) {
  return qnnps_dequantize(c->integer[0], c->size[0], c->size[1], c->size[2], c->in[0],
                          c->parameters[0], c->parameters[1], c->out);
}

/* quantize (float32 -> q) when `quantize`, else dequantize (q -> float32). */
static PyObject* channel_op(PyObject* args, int quantize) {
  const char* fn = quantize ? "quantize" : "dequantize";
  PyArrayObject *input, *output;
  PyObject *scales, *zero_points;
  size_t s[3];
  if (parse_channel_args(args, fn, quantize ? NPY_FLOAT32 : -1, quantize ? -1 : NPY_FLOAT32,
                         &input, &output, &scales, &zero_points, s) < 0)
    return NULL;
  if (PyArray_SIZE(input) == 0) Py_RETURN_NONE;
  call c = {quantize ? invoke_quantize : invoke_dequantize, fn,
            quantize ? "qnnps_quantize" : "qnnps_dequantize",
            .parameters = {DATA(scales), DATA(zero_points)}, .size = {s[0], s[1], s[2]},
            .integer = {qdtype_of(quantize ? output : input)}};
  call_input(&c, 0, (PyObject*)input);
  call_output(&c, (PyObject*)output);
  PyObject* const keep[] = {(PyObject*)input, (PyObject*)output, scales, zero_points, NULL};
  if (perform(&c, keep) < 0) return NULL;
  Py_RETURN_NONE;
}

static PyObject* py_quantize(PyObject* self, PyObject* args) { return channel_op(args, 1); }

static PyObject* py_dequantize(PyObject* self, PyObject* args) { return channel_op(args, 0); }

static int32_t invoke_requantize(const call* c) {
  const int32_t* i = c->integer;
  return qnnps_requantize(i[0], i[1], c->size[0], c->real[0], i[2], c->real[1], i[3], i[4], i[5],
                          c->in[0], c->out);
}

static PyObject* py_requantize(PyObject* self, PyObject* args) {
  const char* fn = "requantize";
  PyObject *input_obj, *output_obj;
  float input_scale, output_scale;
  int input_zero_point, output_zero_point, output_min, output_max;
  if (!PyArg_ParseTuple(args, "OOfifiii:requantize", &input_obj, &output_obj, &input_scale,
                        &input_zero_point, &output_scale, &output_zero_point, &output_min,
                        &output_max))
    return NULL;
  PyArrayObject *input, *output;
  if (check_elementwise(input_obj, output_obj, -1, -1, fn, &input, &output) < 0) return NULL;
  const size_t count = PyArray_SIZE(input);
  if (count == 0) Py_RETURN_NONE;
  call c = {invoke_requantize, fn, "qnnps_requantize", .size = {count},
            .integer = {qdtype_of(input), qdtype_of(output), input_zero_point, output_zero_point,
                        output_min, output_max},
            .real = {input_scale, output_scale}};
  return run_call(&c, NULL, input, output);
}

/* concatenate(inputs (list of q-arrays), output, outer, input_scales f32[n],
   input_zero_points i32[n], output_scale, output_zero_point, output_min, output_max):
   input i is [outer, size_i / outer], the output [outer, sum of those]. */
static PyObject* py_concatenate(PyObject* self, PyObject* args) {
  const char* fn = "concatenate";
  PyObject *list, *output_obj, *scales, *zero_points;
  Py_ssize_t outer_arg;
  float output_scale;
  int output_zero_point, output_min, output_max;
  if (!PyArg_ParseTuple(args, "O!OnOOfiii:concatenate", &PyList_Type, &list, &output_obj,
                        &outer_arg, &scales, &zero_points, &output_scale, &output_zero_point,
                        &output_min, &output_max))
    return NULL;
  const Py_ssize_t count = PyList_GET_SIZE(list);
  size_t outer;
  if (count < 1) {
    PyErr_Format(PyExc_ValueError, "%s: at least one input is needed", fn);
    return NULL;
  }
  PyArrayObject* output = buffer_arg(output_obj, fn, "output", -1, 1);
  if (output == NULL || to_sizes(&outer_arg, &outer, 1, fn) < 0 ||
      vector_arg(scales, fn, "input_scales", NPY_FLOAT32, count) == NULL ||
      vector_arg(zero_points, fn, "input_zero_points", NPY_INT32, count) == NULL)
    return NULL;
  size_t* inner = PyMem_Malloc(count * sizeof(size_t));
  const void** data = PyMem_Malloc(count * sizeof(void*));
  PyObject* result = NULL;
  size_t total = 0;
  if (inner == NULL || data == NULL) {
    PyErr_NoMemory();
    goto done;
  }
  for (Py_ssize_t i = 0; i < count; i++) {
    PyArrayObject* a = buffer_arg(PyList_GET_ITEM(list, i), fn, "inputs[i]", PyArray_TYPE(output), 0);
    if (a == NULL || check_no_overlap(output, a, fn) < 0) goto done;
    const size_t size = PyArray_SIZE(a);
    if (outer == 0 ? size != 0 : size % outer != 0) {
      PyErr_Format(PyExc_ValueError, "%s: inputs[%zd] has %zu elements, not a multiple of outer %zu",
                   fn, i, size, outer);
      goto done;
    }
    inner[i] = outer == 0 ? 0 : size / outer;
    data[i] = DATA(a);
    total += inner[i];
  }
  if ((size_t)PyArray_SIZE(output) != (outer == 0 ? 0 : outer * total) ||
      (outer != 0 && total > SIZE_MAX / outer)) {
    PyErr_Format(PyExc_ValueError, "%s: output must have outer * sum(inner) elements", fn);
    goto done;
  }
  if (PyArray_SIZE(output) > 0) {
    int32_t status;
    WITHOUT_GIL(status, qnnps_concatenate(qdtype_of(output), (size_t)count, outer, inner, data,
                                          DATA(scales), DATA(zero_points), output_scale,
                                          output_zero_point, output_min, output_max,
                                          DATA(output)));
    if (check_status(status, fn, "qnnps_concatenate") < 0) goto done;
  }
  result = Py_None;
  Py_INCREF(result);
done:
  PyMem_Free(inner);
  PyMem_Free(data);
  return result;
}

static int32_t invoke_channel_shuffle(const call* c) {
  return qnnps_channel_shuffle(c->size[0], c->size[1], c->size[2], c->in[0], c->out);
}

/* channel_shuffle(input, output, groups): over the last axis, groups dividing it. */
static PyObject* py_channel_shuffle(PyObject* self, PyObject* args) {
  const char* fn = "channel_shuffle";
  PyObject *input_obj, *output_obj;
  Py_ssize_t groups;
  if (!PyArg_ParseTuple(args, "OOn:channel_shuffle", &input_obj, &output_obj, &groups)) return NULL;
  PyArrayObject *input, *output;
  if (check_elementwise(input_obj, output_obj, -1, SAME_AS_INPUT, fn, &input, &output) < 0)
    return NULL;
  const int ndim = PyArray_NDIM(input);
  const size_t channels = ndim > 0 ? (size_t)PyArray_DIM(input, ndim - 1) : 0;
  if (groups < 1 || channels == 0 || channels % (size_t)groups != 0) {
    PyErr_Format(PyExc_ValueError, "%s: groups must divide the (non-zero) last axis", fn);
    return NULL;
  }
  const size_t rows = PyArray_SIZE(input) / channels;
  if (rows == 0) Py_RETURN_NONE;
  call c = {invoke_channel_shuffle, fn, "qnnps_channel_shuffle",
            .size = {rows, (size_t)groups, channels / (size_t)groups}};
  return run_call(&c, NULL, input, output);
}

/* lookup_create(dtype, function, parameter, input_scale, input_zero_point, output_scale,
   output_zero_point, output_min, output_max) -> capsule */
static PyObject* py_lookup_create(PyObject* self, PyObject* args) {
  const char* fn = "lookup_create";
  int dtype, function, input_zero_point, output_zero_point, output_min, output_max;
  double parameter;
  float input_scale, output_scale;
  if (!PyArg_ParseTuple(args, "iidfifiii:lookup_create", &dtype, &function, &parameter,
                        &input_scale, &input_zero_point, &output_scale, &output_zero_point,
                        &output_min, &output_max) ||
      check_input_dtype_code(dtype, fn) < 0)
    return NULL;
  qnnps_operator_t op = NULL;
  int32_t status;
  WITHOUT_GIL(status, qnnps_lookup_create(dtype, function, parameter, input_scale,
                                          input_zero_point, output_scale, output_zero_point,
                                          output_min, output_max, &op));
  return created_operator(status, op, fn, "qnnps_lookup_create", OP_LOOKUP, dtype, 0, 0);
}

static int32_t invoke_lookup(const call* c) {
  return qnnps_lookup_run(c->op, c->size[0], c->in[0], c->out);
}

static PyObject* py_lookup_run(PyObject* self, PyObject* args) {
  const char* fn = "lookup_run";
  PyObject *capsule, *input_obj, *output_obj;
  if (!PyArg_ParseTuple(args, "OOO:lookup_run", &capsule, &input_obj, &output_obj)) return NULL;
  native_op* n = unwrap_operator(capsule, OP_LOOKUP, fn);
  if (n == NULL) return NULL;
  PyObject* created = NULL; /* the output made here when output_obj is None */
  if (output_obj == Py_None) {
    /* The fast path of the Python layer: a new output for a C-contiguous q-array of the
       operator's dtype; NotImplemented (take the checked path) for anything else. */
    PyArrayObject* pi = (PyArrayObject*)input_obj;
    if (!PyArray_CheckExact(input_obj) || qdtype_of(pi) != n->input_dtype ||
        !PyArray_IS_C_CONTIGUOUS(pi))
      Py_RETURN_NOTIMPLEMENTED;
    created = PyArray_SimpleNew(PyArray_NDIM(pi), PyArray_DIMS(pi), PyArray_TYPE(pi));
    if (created == NULL) return NULL;
    output_obj = created;
  }
  PyArrayObject *input, *output;
  if (check_elementwise(input_obj, output_obj, -1, SAME_AS_INPUT, fn, &input, &output) < 0)
    goto fail;
  if (qdtype_of(input) != n->input_dtype) {
    PyErr_Format(PyExc_TypeError, "%s: input must have dtype %s (the operator's)", fn,
                 qdtype_name(n->input_dtype));
    goto fail;
  }
  const size_t count = PyArray_SIZE(input);
  if (count == 0) goto done;
  call c = {invoke_lookup, fn, "qnnps_lookup_run", n->op, .size = {count}};
  if (perform_unary(&c, capsule, input, output) < 0) goto fail;
done:
  if (created != NULL) return created;
  Py_RETURN_NONE;
fail:
  Py_XDECREF(created);
  return NULL;
}

static int32_t invoke_softmax(const call* c) {
  const int32_t* i = c->integer;
  return qnnps_softmax(i[0], c->size[0], c->size[1], c->size[2], c->real[0], i[1], c->real[1],
                       i[2], i[3], i[4], c->in[0], c->out);
}

/* softmax(input, output, outer, length, inner, input_scale, input_zero_point, output_scale,
   output_zero_point, output_min, output_max) */
static PyObject* py_softmax(PyObject* self, PyObject* args) {
  const char* fn = "softmax";
  PyObject *input_obj, *output_obj;
  Py_ssize_t p[3];
  float input_scale, output_scale;
  int input_zero_point, output_zero_point, output_min, output_max;
  size_t s[3], count;
  if (!PyArg_ParseTuple(args, "OOnnnfifiii:softmax", &input_obj, &output_obj, &p[0], &p[1], &p[2],
                        &input_scale, &input_zero_point, &output_scale, &output_zero_point,
                        &output_min, &output_max))
    return NULL;
  PyObject* created = NULL; /* the output made here when output_obj is None */
  if (output_obj == Py_None) {
    /* The fast path of the Python layer: a new output for a C-contiguous q-array;
       NotImplemented (take the checked path) for anything else. */
    PyArrayObject* pi = (PyArrayObject*)input_obj;
    if (!PyArray_CheckExact(input_obj) || qdtype_of(pi) < 0 || !PyArray_IS_C_CONTIGUOUS(pi))
      Py_RETURN_NOTIMPLEMENTED;
    created = PyArray_SimpleNew(PyArray_NDIM(pi), PyArray_DIMS(pi), PyArray_TYPE(pi));
    if (created == NULL) return NULL;
    output_obj = created;
  }
  PyArrayObject *input, *output;
  if (check_elementwise(input_obj, output_obj, -1, SAME_AS_INPUT, fn, &input, &output) < 0 ||
      to_sizes(p, s, 3, fn) < 0 || mul_size(s[0], s[1], &count, fn) < 0 ||
      mul_size(count, s[2], &count, fn) < 0)
    goto fail;
  if ((size_t)PyArray_SIZE(input) != count || s[1] == 0 || s[2] == 0) {
    PyErr_Format(PyExc_ValueError, "%s: outer * length * inner must equal the element count "
                 "(length, inner >= 1)", fn);
    goto fail;
  }
  if (count == 0) goto done;
  call c = {invoke_softmax, fn, "qnnps_softmax", .size = {s[0], s[1], s[2]},
            .integer = {qdtype_of(input), input_zero_point, output_zero_point, output_min,
                        output_max},
            .real = {input_scale, output_scale}};
  if (perform_unary(&c, NULL, input, output) < 0) goto fail;
done:
  if (created != NULL) return created;
  Py_RETURN_NONE;
fail:
  Py_XDECREF(created);
  return NULL;
}

/* A float64 vector of `length` elements, or NULL for None; -1 on a bad array. */
static int optional_vector(PyObject* obj, const char* fn, const char* name, size_t length,
                           const double** data) {
  *data = NULL;
  if (obj == Py_None) return 0;
  if (vector_arg(obj, fn, name, NPY_FLOAT64, length) == NULL) return -1;
  *data = (const double*)DATA(obj);
  return 0;
}

/* normalize(input, output, batch, pixels, channels, groups, input_scale, input_zero_point,
   mean, variance, gamma, beta, eps, output_scale, output_zero_point, output_min, output_max);
   mean / variance / gamma / beta: float64 [channels] or None. */
static PyObject* py_normalize(PyObject* self, PyObject* args) {
  const char* fn = "normalize";
  PyObject *input_obj, *output_obj, *mean_obj, *var_obj, *gamma_obj, *beta_obj;
  Py_ssize_t p[4];
  float input_scale, output_scale;
  int input_zero_point, output_zero_point, output_min, output_max;
  double eps;
  size_t s[4], count;
  if (!PyArg_ParseTuple(args, "OOnnnnfiOOOOdfiii:normalize", &input_obj, &output_obj, &p[0],
                        &p[1], &p[2], &p[3], &input_scale, &input_zero_point, &mean_obj, &var_obj,
                        &gamma_obj, &beta_obj, &eps, &output_scale, &output_zero_point,
                        &output_min, &output_max))
    return NULL;
  PyArrayObject *input, *output;
  const double *mean, *variance, *gamma, *beta;
  if (check_elementwise(input_obj, output_obj, -1, SAME_AS_INPUT, fn, &input, &output) < 0 ||
      to_sizes(p, s, 4, fn) < 0 || mul_size(s[0], s[1], &count, fn) < 0 ||
      mul_size(count, s[2], &count, fn) < 0 ||
      optional_vector(mean_obj, fn, "mean", s[2], &mean) < 0 ||
      optional_vector(var_obj, fn, "variance", s[2], &variance) < 0 ||
      optional_vector(gamma_obj, fn, "gamma", s[2], &gamma) < 0 ||
      optional_vector(beta_obj, fn, "beta", s[2], &beta) < 0)
    return NULL;
  if ((size_t)PyArray_SIZE(input) != count || s[1] == 0 || s[2] == 0) {
    PyErr_Format(PyExc_ValueError, "%s: batch * pixels * channels must equal the element count "
                 "(pixels, channels >= 1)", fn);
    return NULL;
  }
  if (count == 0) Py_RETURN_NONE;
  CALL_OR_RAISE(fn, qnnps_normalize_nwc, qdtype_of(input), s[0], s[1], s[2], s[3], input_scale,
                input_zero_point, mean, variance, gamma, beta, eps, output_scale,
                output_zero_point, output_min, output_max, DATA(input), DATA(output));
  Py_RETURN_NONE;
}

/* resize2d(input[N,H,W,C], output[N,OH,OW,C], mode, align_corners) */
static PyObject* py_resize2d(PyObject* self, PyObject* args) {
  const char* fn = "resize2d";
  PyObject *input_obj, *output_obj;
  int mode, align_corners;
  if (!PyArg_ParseTuple(args, "OOip:resize2d", &input_obj, &output_obj, &mode, &align_corners))
    return NULL;
  PyArrayObject* input = buffer_arg(input_obj, fn, "input", -1, 0);
  PyArrayObject* output =
      input ? buffer_arg(output_obj, fn, "output", PyArray_TYPE(input), 1) : NULL;
  if (output == NULL) return NULL;
  if (PyArray_NDIM(input) != 4 || PyArray_NDIM(output) != 4) {
    PyErr_Format(PyExc_ValueError, "%s: input and output must be 4-D (NHWC)", fn);
    return NULL;
  }
  size_t d[4], o[4];
  for (int i = 0; i < 4; i++) {
    d[i] = PyArray_DIM(input, i);
    o[i] = PyArray_DIM(output, i);
  }
  if (o[0] != d[0] || o[3] != d[3] || d[1] == 0 || d[2] == 0 || d[3] == 0 || o[1] == 0 ||
      o[2] == 0) {
    PyErr_Format(PyExc_ValueError, "%s: output must be [N, OH, OW, C] of the input's N and C, "
                 "every size but N >= 1", fn);
    return NULL;
  }
  if (check_no_overlap(output, input, fn) < 0) return NULL;
  if (d[0] == 0) Py_RETURN_NONE;
  CALL_OR_RAISE(fn, qnnps_resize2d_nhwc, qdtype_of(input), d[0], d[1], d[2], d[3], o[1], o[2],
                mode, align_corners, DATA(input), DATA(output));
  Py_RETURN_NONE;
}

/* ---- runtime -------------------------------------------------------------------------- */

/* A wrapper returning the value of a qnnps_* getter, converted by `convert`. */
#define GETTER(wrapper, type, call, convert)                        \
  static PyObject* wrapper(PyObject* self, PyObject* unused) {      \
    type value;                                                     \
    QUERY_WITHOUT_GIL(value, call);                                 \
    return convert(value);                                          \
  }

GETTER(py_cpu_features, uint32_t, qnnps_cpu_features(), PyLong_FromUnsignedLong)
GETTER(py_get_isa, int32_t, qnnps_get_isa(), PyLong_FromLong)
GETTER(py_best_isa, int32_t, qnnps_best_isa(), PyLong_FromLong)
GETTER(py_get_num_threads, size_t, qnnps_get_num_threads(), PyLong_FromSize_t)

static PyObject* py_set_isa(PyObject* self, PyObject* args) {
  int isa;
  if (!PyArg_ParseTuple(args, "i:set_isa", &isa)) return NULL;
  CALL_OR_RAISE("set_isa", qnnps_set_isa, isa);
  Py_RETURN_NONE;
}

static PyObject* py_isa_name(PyObject* self, PyObject* args) {
  int isa;
  if (!PyArg_ParseTuple(args, "i:isa_name", &isa)) return NULL;
  const char* name;
  QUERY_WITHOUT_GIL(name, qnnps_isa_name(isa));
  if (name == NULL) Py_RETURN_NONE;
  return PyUnicode_FromString(name);
}

static PyObject* py_set_num_threads(PyObject* self, PyObject* args) {
  Py_ssize_t n;
  if (!PyArg_ParseTuple(args, "n:set_num_threads", &n)) return NULL;
  if (n < 1) {
    PyErr_SetString(PyExc_ValueError, "set_num_threads: num_threads must be >= 1");
    return NULL;
  }
  CALL_OR_RAISE("set_num_threads", qnnps_set_num_threads, (size_t)n);
  Py_RETURN_NONE;
}

/* ---- module --------------------------------------------------------------------------- */

static PyMethodDef methods[] = {
    {"conv2d_create", py_conv2d_create, METH_VARARGS,
     "conv2d_create(input_dtype, (groups, group_input_channels, group_output_channels, kh, kw, "
     "sh, sw, dh, dw, pt, pl, pb, pr), input_scale, input_zero_point, weights, weight_scales, "
     "weight_zero_points, bias, output_scale, output_zero_point, output_min, output_max) "
     "-> capsule"},
    {"conv2d_output_size", py_conv2d_output_size, METH_VARARGS,
     "conv2d_output_size(op, height, width) -> (output_height, output_width)"},
    {"conv2d_run", py_conv2d_run, METH_VARARGS,
     "conv2d_run(op, input[N,H,W,C], output[N,OH,OW,C_out]) -> None"},
    {"deconv2d_create", py_deconv2d_create, METH_VARARGS,
     "deconv2d_create(input_dtype, (groups, group_input_channels, group_output_channels, kh, kw, "
     "sh, sw, dh, dw, pt, pl, pb, pr, oph, opw), input_scale, input_zero_point, weights, "
     "weight_scales, weight_zero_points, bias, output_scale, output_zero_point, output_min, "
     "output_max) -> capsule (run with conv2d_run, sized with conv2d_output_size)"},
    {"locally_connected2d_create", py_locally_connected2d_create, METH_VARARGS,
     "locally_connected2d_create(input_dtype, (OH, OW, C_in, C_out, kh, kw, sh, sw, dh, dw, pt, pl, "
     "pb, pr), input_scale, input_zero_point, weights[OH,OW,C_out,KH,KW,C_in], weight_scales, "
     "weight_zero_points, bias[OH,OW,C_out], output_scale, output_zero_point, output_min, "
     "output_max) -> capsule"},
    {"locally_connected2d_run", py_locally_connected2d_run, METH_VARARGS,
     "locally_connected2d_run(op, input[N,H,W,C_in], output[N,OH,OW,C_out]) -> None"},
    {"dynamic_fully_connected_create", py_dynamic_fully_connected_create, METH_VARARGS,
     "dynamic_fully_connected_create(weights[C_out,K], weight_scales, weight_zero_points) -> capsule"},
    {"dynamic_fully_connected_run", py_dynamic_fully_connected_run, METH_VARARGS,
     "dynamic_fully_connected_run(op, input_u8[batch,K], output_f32[batch,C_out], input_scale, "
     "input_zero_point) -> None"},
    {"fully_connected_create", py_fully_connected_create, METH_VARARGS,
     "fully_connected_create(input_dtype, (K, C_out), input_scale, input_zero_point, weights, "
     "weight_scales, weight_zero_points, bias, output_scale, output_zero_point, output_min, "
     "output_max) -> capsule"},
    {"fully_connected_run", py_fully_connected_run, METH_VARARGS,
     "fully_connected_run(op, input[batch,K], output[batch,C_out]) -> None"},
    {"max_pool2d", py_max_pool2d, METH_VARARGS,
     "max_pool2d(input, output, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, output_min, output_max)"},
    {"avg_pool2d", py_avg_pool2d, METH_VARARGS,
     "avg_pool2d(input, output, kh, kw, sh, sw, pt, pl, pb, pr, count_include_pad, input_scale, "
     "input_zero_point, output_scale, output_zero_point, output_min, output_max)"},
    {"global_avg_pool", py_global_avg_pool, METH_VARARGS,
     "global_avg_pool(input[N,P,C] or [N,H,W,C], output[N,C] or None (-> a new output), "
     "input_scale, input_zero_point, output_scale, output_zero_point, output_min, output_max)"},
    {"add", py_add, METH_VARARGS,
     "add(a, b, output, a_scale, a_zero_point, b_scale, b_zero_point, output_scale, "
     "output_zero_point, output_min, output_max); a and b broadcast to output's shape. "
     "output None: returns a new output for C-contiguous a and b of one shape and dtype, "
     "NotImplemented for other a and b"},
    {"multiply", py_multiply, METH_VARARGS,
     "multiply(a, b, output, a_scale, a_zero_point, b_scale, b_zero_point, output_scale, "
     "output_zero_point, output_min, output_max); as add"},
    {"concatenate", py_concatenate, METH_VARARGS,
     "concatenate([inputs], output, outer, input_scales, input_zero_points, output_scale, "
     "output_zero_point, output_min, output_max)"},
    {"channel_shuffle", py_channel_shuffle, METH_VARARGS, "channel_shuffle(input, output, groups)"},
    {"lookup_create", py_lookup_create, METH_VARARGS,
     "lookup_create(dtype, function, parameter, input_scale, input_zero_point, output_scale, "
     "output_zero_point, output_min, output_max) -> capsule"},
    {"lookup_run", py_lookup_run, METH_VARARGS,
     "lookup_run(op, input, output) -> None, or -> a new output when output is None"},
    {"softmax", py_softmax, METH_VARARGS,
     "softmax(input, output or None (-> a new output), outer, length, inner, input_scale, "
     "input_zero_point, output_scale, output_zero_point, output_min, output_max)"},
    {"normalize", py_normalize, METH_VARARGS,
     "normalize(input, output, batch, pixels, channels, groups, input_scale, input_zero_point, "
     "mean, variance, gamma, beta, eps, output_scale, output_zero_point, output_min, output_max)"},
    {"resize2d", py_resize2d, METH_VARARGS, "resize2d(input, output, mode, align_corners)"},
    {"clamp", py_clamp, METH_VARARGS, "clamp(input, output, output_min, output_max)"},
    {"quantize", py_quantize, METH_VARARGS,
     "quantize(input_f32, output_q, outer, channels, inner, scales_f32, zero_points_i32)"},
    {"dequantize", py_dequantize, METH_VARARGS,
     "dequantize(input_q, output_f32, outer, channels, inner, scales_f32, zero_points_i32)"},
    {"requantize", py_requantize, METH_VARARGS,
     "requantize(input, output, input_scale, input_zero_point, output_scale, output_zero_point, "
     "output_min, output_max)"},
    {"cpu_features", py_cpu_features, METH_NOARGS, "cpu_features() -> feature bits"},
    {"get_isa", py_get_isa, METH_NOARGS, "get_isa() -> kernel family used by new operators"},
    {"best_isa", py_best_isa, METH_NOARGS, "best_isa() -> best kernel family this CPU runs"},
    {"set_isa", py_set_isa, METH_VARARGS, "set_isa(isa) -> None"},
    {"isa_name", py_isa_name, METH_VARARGS, "isa_name(isa) -> str or None"},
    {"set_num_threads", py_set_num_threads, METH_VARARGS, "set_num_threads(n) -> None"},
    {"get_num_threads", py_get_num_threads, METH_NOARGS, "get_num_threads() -> int"},
    {"record", py_record, METH_VARARGS,
     "record(recording or None): this thread's library calls go into the Recording from now on "
     "(None: stop)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "qnnpack_swift._native",
    .m_doc = "Thin wrappers over the C ABI of libQNNPACKSwift (include/qnnpack_swift.h).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__native(void) {
  import_array();
  if (PyType_Ready(&RecordingType) < 0) return NULL;
  PyObject* m = PyModule_Create(&module);
  if (m == NULL) return NULL;
  Py_INCREF(&RecordingType);
  if (PyModule_AddObject(m, "Recording", (PyObject*)&RecordingType) < 0) {
    Py_DECREF(&RecordingType);
    Py_DECREF(m);
    return NULL;
  }
  if (PyModule_AddIntConstant(m, "DTYPE_UINT8", QNNPS_DTYPE_UINT8) < 0 ||
      PyModule_AddIntConstant(m, "DTYPE_INT8", QNNPS_DTYPE_INT8) < 0 ||
      PyModule_AddIntConstant(m, "ADD_MAX_DIMS", ADD_MAX_DIMS) < 0 ||
      PyModule_AddIntConstant(m, "LOOKUP_SIGMOID", QNNPS_LOOKUP_SIGMOID) < 0 ||
      PyModule_AddIntConstant(m, "LOOKUP_TANH", QNNPS_LOOKUP_TANH) < 0 ||
      PyModule_AddIntConstant(m, "LOOKUP_HARDSIGMOID", QNNPS_LOOKUP_HARDSIGMOID) < 0 ||
      PyModule_AddIntConstant(m, "LOOKUP_HARDSWISH", QNNPS_LOOKUP_HARDSWISH) < 0 ||
      PyModule_AddIntConstant(m, "LOOKUP_LEAKY_RELU", QNNPS_LOOKUP_LEAKY_RELU) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
