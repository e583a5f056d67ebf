/*
 * qnnpack_swift._native.Recording: the library calls one run of a model made, replayed on
 * new inputs of the same shapes (see _replay.h).
 *
 * A recording is only replayed when it is closed: finish() checks that every activation a
 * call reads is part of an input (a feed, rebased on each replay), the output of an
 * earlier call, or a read-only array, and that the model's outputs are outputs of calls;
 * a library call that was not recorded spoils it. The recording holds every object whose
 * memory its calls use, so its pointers stay valid; replays check the new feeds as the
 * wrappers would (dtype, shape, C-contiguity, alignment, byte order, no overlap with any
 * memory the calls write).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#ifndef NPY_NO_DEPRECATED_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#endif
#define PY_ARRAY_UNIQUE_SYMBOL qnnps_ARRAY_API
#define NO_IMPORT_ARRAY
#include <numpy/arrayobject.h>

#include <string.h>

#include "_replay.h"

typedef struct {
  char* data;
  size_t bytes;
  int type, ndim;
  npy_intp dims[NPY_MAXDIMS];
} feed;

typedef struct {
  PyObject_HEAD
  call* calls;
  Py_ssize_t count, capacity;
  PyObject* keep;             /* list: the objects whose memory the calls use */
  const char* spoiled;        /* why it cannot be replayed, or NULL */
  int finished;               /* finish() was called; replayable says how it ended */
  int replayable;
  Py_ssize_t feed_count;
  feed* feeds;
  int (*feed_of)[2];          /* per call and input: the feed it lies in, or -1 */
} recording;

/* This thread's recording (a strong reference), or NULL. */
static _Thread_local recording* current;

static void stop_recording(void) {
  recording* r = current;
  current = NULL;
  Py_XDECREF(r);
}

void call_input(call* c, int slot, PyObject* array) {
  PyArrayObject* a = (PyArrayObject*)array;
  c->in[slot] = PyArray_DATA(a);
  c->in_bytes[slot] = (size_t)PyArray_NBYTES(a);
  c->in_constant[slot] = !PyArray_ISWRITEABLE(a);
}

void call_output(call* c, PyObject* array) {
  c->out = PyArray_DATA((PyArrayObject*)array);
  c->out_bytes = (size_t)PyArray_NBYTES((PyArrayObject*)array);
}

void replay_poison(const char* function) {
  if (current != NULL && current->spoiled == NULL) current->spoiled = function;
}

static void record(recording* r, const call* c, PyObject* const* keep) {
  if (r->spoiled != NULL) return;
  if (r->finished) {
    r->spoiled = "a call after finish()";
    return;
  }
  if (r->count == r->capacity) {
    Py_ssize_t capacity = r->capacity ? 2 * r->capacity : 64;
    call* grown = PyMem_Realloc(r->calls, (size_t)capacity * sizeof(call));
    if (grown == NULL) {
      r->spoiled = "out of memory while recording";
      return;
    }
    r->calls = grown;
    r->capacity = capacity;
  }
  for (; *keep != NULL; keep++) {
    if (PyList_Append(r->keep, *keep) < 0) {
      PyErr_Clear();
      r->spoiled = "out of memory while recording";
      return;
    }
  }
  r->calls[r->count++] = *c;
}

int perform(call* c, PyObject* const* keep) {
  if (current != NULL) record(current, c, keep);
  int32_t status;
  Py_BEGIN_ALLOW_THREADS
  status = c->invoke(c);
  Py_END_ALLOW_THREADS
  return check_status(status, c->fn, c->function);
}

/* ---- the Python type ------------------------------------------------------------------- */

static int inside(const void* p, size_t bytes, const void* base, size_t base_bytes) {
  const char *a = p, *b = base;
  return a >= b && a + bytes <= b + base_bytes;
}

static int overlaps(const void* p, size_t bytes, const void* q, size_t q_bytes) {
  const char *a = p, *b = q;
  return bytes > 0 && q_bytes > 0 && a < b + q_bytes && b < a + bytes;
}

/* A feed array as replay() needs it: C-contiguous, aligned, native byte order. */
static int usable_feed(PyObject* obj) {
  if (!PyArray_Check(obj)) return 0;
  PyArrayObject* a = (PyArrayObject*)obj;
  return PyArray_IS_C_CONTIGUOUS(a) && PyArray_ISALIGNED(a) && PyArray_ISNOTSWAPPED(a) &&
         PyArray_NDIM(a) <= NPY_MAXDIMS;
}

static PyObject* recording_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  if (!PyArg_ParseTuple(args, ":Recording") || (kwargs && PyDict_Size(kwargs))) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "Recording() takes no arguments");
    return NULL;
  }
  recording* r = (recording*)type->tp_alloc(type, 0);
  if (r == NULL) return NULL;
  r->keep = PyList_New(0);
  if (r->keep == NULL) {
    Py_DECREF(r);
    return NULL;
  }
  return (PyObject*)r;
}

static void recording_dealloc(recording* r) {
  PyMem_Free(r->calls);
  PyMem_Free(r->feeds);
  PyMem_Free(r->feed_of);
  Py_XDECREF(r->keep);
  Py_TYPE(r)->tp_free((PyObject*)r);
}

static PyObject* check_recording(recording* r, PyObject* feeds_obj, PyObject* outputs_obj);

/* finish(feeds, outputs) -> None when the recording can be replayed, else why not (str).
   Once only: the recording takes no more calls. */
static PyObject* recording_finish(recording* r, PyObject* args) {
  PyObject *feeds_obj, *outputs_obj;
  if (!PyArg_ParseTuple(args, "O!O!:finish", &PyList_Type, &feeds_obj, &PyList_Type, &outputs_obj))
    return NULL;
  if (current == r) stop_recording();
  if (r->finished) {
    PyErr_SetString(PyExc_RuntimeError, "finish: the recording is already finished");
    return NULL;
  }
  r->finished = 1;
  PyObject* why = check_recording(r, feeds_obj, outputs_obj);
  r->replayable = why == Py_None;
  return why;
}

/* finish()'s checks: None, a reason, or NULL with an exception. */
static PyObject* check_recording(recording* r, PyObject* feeds_obj, PyObject* outputs_obj) {
  if (r->spoiled != NULL) return PyUnicode_FromFormat("it made a call that is not recorded (%s)",
                                                      r->spoiled);
  if (r->count == 0) return PyUnicode_FromString("no library calls were recorded");
  const Py_ssize_t nf = PyList_GET_SIZE(feeds_obj);
  r->feeds = PyMem_Calloc(nf ? (size_t)nf : 1, sizeof(feed));
  r->feed_of = PyMem_Calloc((size_t)r->count, sizeof *r->feed_of);
  if (r->feeds == NULL || r->feed_of == NULL) return PyErr_NoMemory();
  for (Py_ssize_t f = 0; f < nf; f++) {
    PyObject* obj = PyList_GET_ITEM(feeds_obj, f);
    if (!usable_feed(obj)) return PyUnicode_FromFormat("input %zd is not C-contiguous", f);
    PyArrayObject* a = (PyArrayObject*)obj;
    feed* d = &r->feeds[f];
    d->data = PyArray_BYTES(a);
    d->bytes = (size_t)PyArray_NBYTES(a);
    d->type = PyArray_TYPE(a);
    d->ndim = PyArray_NDIM(a);
    memcpy(d->dims, PyArray_DIMS(a), (size_t)d->ndim * sizeof(npy_intp));
    if (PyList_Append(r->keep, obj) < 0) return NULL;
  }
  r->feed_count = nf;
  for (Py_ssize_t i = 0; i < r->count; i++) {
    const call* c = &r->calls[i];
    for (Py_ssize_t f = 0; f < nf; f++) {
      if (overlaps(c->out, c->out_bytes, r->feeds[f].data, r->feeds[f].bytes))
        return PyUnicode_FromFormat("call %zd (%s) writes into input %zd", i, c->fn, f);
    }
    for (int j = 0; j < 2; j++) {
      r->feed_of[i][j] = -1;
      if (c->in[j] == NULL || c->in_bytes[j] == 0) continue;
      int known = 0;
      for (Py_ssize_t f = 0; f < nf && !known; f++) {
        if (inside(c->in[j], c->in_bytes[j], r->feeds[f].data, r->feeds[f].bytes)) {
          r->feed_of[i][j] = (int)f;
          known = 1;
        }
      }
      for (Py_ssize_t k = 0; k < i && !known; k++)
        known = inside(c->in[j], c->in_bytes[j], r->calls[k].out, r->calls[k].out_bytes);
      if (!known && !c->in_constant[j])
        return PyUnicode_FromFormat("call %zd (%s) reads memory that no recorded call wrote", i,
                                    c->fn);
    }
  }
  for (Py_ssize_t o = 0; o < PyList_GET_SIZE(outputs_obj); o++) {
    PyObject* obj = PyList_GET_ITEM(outputs_obj, o);
    if (!PyArray_Check(obj)) return PyUnicode_FromFormat("output %zd is not an array", o);
    PyArrayObject* a = (PyArrayObject*)obj;
    /* The whole span the (possibly strided) view can touch. */
    npy_intp lo = 0, hi = PyArray_ITEMSIZE(a);
    for (int d = 0; d < PyArray_NDIM(a); d++) {
      if (PyArray_DIM(a, d) == 0) {
        lo = hi = 0;
        break;
      }
      npy_intp reach = (PyArray_DIM(a, d) - 1) * PyArray_STRIDE(a, d);
      if (reach < 0) lo += reach; else hi += reach;
    }
    if (hi == lo) continue;
    int known = 0;
    for (Py_ssize_t k = 0; k < r->count && !known; k++)
      known = inside(PyArray_BYTES(a) + lo, (size_t)(hi - lo), r->calls[k].out, r->calls[k].out_bytes);
    if (!known) return PyUnicode_FromFormat("output %zd is not written by a recorded call", o);
    if (PyList_Append(r->keep, obj) < 0) return NULL;
  }
  Py_RETURN_NONE;
}

/* replay(feeds) -> True after making the recorded calls on these feeds; False (nothing
   run) when they differ from the recorded ones in dtype or shape, are not C-contiguous,
   aligned and native, or overlap memory the calls write. */
static PyObject* recording_replay(recording* r, PyObject* args) {
  PyObject* feeds_obj;
  if (!PyArg_ParseTuple(args, "O!:replay", &PyList_Type, &feeds_obj)) return NULL;
  if (!r->replayable) {
    PyErr_SetString(PyExc_RuntimeError, "replay: the recording is not finished, or cannot be "
                    "replayed");
    return NULL;
  }
  if (PyList_GET_SIZE(feeds_obj) != r->feed_count) Py_RETURN_FALSE;
  char** base = PyMem_Malloc((size_t)(r->feed_count ? r->feed_count : 1) * sizeof(char*));
  if (base == NULL) return PyErr_NoMemory();
  PyObject* result = Py_False;
  for (Py_ssize_t f = 0; f < r->feed_count; f++) {
    PyObject* obj = PyList_GET_ITEM(feeds_obj, f);
    const feed* d = &r->feeds[f];
    if (!usable_feed(obj)) goto done;
    PyArrayObject* a = (PyArrayObject*)obj;
    if (PyArray_TYPE(a) != d->type || PyArray_NDIM(a) != d->ndim ||
        memcmp(PyArray_DIMS(a), d->dims, (size_t)d->ndim * sizeof(npy_intp)) != 0)
      goto done;
    base[f] = PyArray_BYTES(a);
    for (Py_ssize_t i = 0; i < r->count; i++) {
      if (overlaps(r->calls[i].out, r->calls[i].out_bytes, base[f], d->bytes)) goto done;
    }
  }
  int32_t status = qnnps_status_success;
  Py_ssize_t i = 0;
  Py_BEGIN_ALLOW_THREADS
  for (; i < r->count; i++) {
    call c = r->calls[i];
    for (int j = 0; j < 2; j++) {
      const int f = r->feed_of[i][j];
      if (f >= 0) c.in[j] = base[f] + ((const char*)c.in[j] - r->feeds[f].data);
    }
    status = c.invoke(&c);
    if (status != qnnps_status_success) break;
  }
  Py_END_ALLOW_THREADS
  if (status != qnnps_status_success) {
    check_status(status, r->calls[i].fn, r->calls[i].function);
    result = NULL;
    goto done;
  }
  result = Py_True;
done:
  PyMem_Free(base);
  Py_XINCREF(result);
  return result;
}

static PyObject* recording_calls(recording* r, void* closure) {
  return PyLong_FromSsize_t(r->count);
}

static PyMethodDef recording_methods[] = {
    {"finish", (PyCFunction)recording_finish, METH_VARARGS,
     "finish(feeds, outputs) -> None when the recording can be replayed, else why not"},
    {"replay", (PyCFunction)recording_replay, METH_VARARGS,
     "replay(feeds) -> True after replaying the calls on these feeds, False when they do not "
     "fit the recording (nothing run)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef recording_getset[] = {
    {"calls", (getter)recording_calls, NULL, "the number of recorded library calls", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject RecordingType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "qnnpack_swift._native.Recording",
    .tp_basicsize = sizeof(recording),
    .tp_dealloc = (destructor)recording_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The library calls this thread makes between record(recording) and record(None).",
    .tp_methods = recording_methods,
    .tp_getset = recording_getset,
    .tp_new = recording_new,
};

/* record(recording or None): this thread's library calls are recorded into it from now on
   (None: no longer). */
PyObject* py_record(PyObject* self, PyObject* args) {
  PyObject* obj;
  if (!PyArg_ParseTuple(args, "O:record", &obj)) return NULL;
  if (obj == Py_None) {
    stop_recording();
    Py_RETURN_NONE;
  }
  if (!PyObject_TypeCheck(obj, &RecordingType)) {
    PyErr_SetString(PyExc_TypeError, "record: expected a Recording or None");
    return NULL;
  }
  recording* r = (recording*)obj;
  if (r->finished) {
    PyErr_SetString(PyExc_RuntimeError, "record: the recording is already finished");
    return NULL;
  }
  Py_INCREF(r);
  stop_recording();
  current = r;
  Py_RETURN_NONE;
}
