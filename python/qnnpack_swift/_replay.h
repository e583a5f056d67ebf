/*
 * Recording and replaying library calls (_replay.c): a model runs its steps through the
 * Python layer once while this thread records every library call the wrappers make; later
 * runs on inputs of the same shapes replay the calls in one C loop, without the GIL and
 * without the Python layer (~7 µs per step, 7-13 % of MobileNetV2).
 */
#ifndef QNNPS_REPLAY_H
#define QNNPS_REPLAY_H

#include <Python.h>
#include <stdint.h>

#include "qnnpack_swift.h"

#define CALL_SIZES 26

/* One library call, with everything it needs: `invoke(call)` makes it. A wrapper fills one
   (zero-initialised) after its checks and hands it to perform(). */
typedef struct call call;
struct call {
  int32_t (*invoke)(const call*);
  const char* fn;       /* the wrapper, for error messages */
  const char* function; /* the library function */
  qnnps_operator_t op;
  const void* in[2];    /* the activations it reads */
  size_t in_bytes[2];
  int in_constant[2];   /* read-only arrays: their contents cannot change between runs */
  void* out;            /* the activation it writes */
  size_t out_bytes;
  const void* parameters[2]; /* parameter vectors (scales, zero points), held while recorded */
  size_t size[CALL_SIZES];
  int32_t integer[8];
  float real[4];
};

/* Sets input `slot` (an array the wrapper checked) / the output of `c`. */
void call_input(call* c, int slot, PyObject* array);
void call_output(call* c, PyObject* array);

/* Makes the call with the GIL released, recording it first when this thread records;
   `keep` (NULL-terminated) are the objects whose memory it uses. 0, or -1 with the
   exception of a failed status. */
int perform(call* c, PyObject* const* keep);

/* A library call that cannot be recorded: the recording of this thread, if any, cannot
   be replayed. */
void replay_poison(const char* function);

/* From _native.c: the exception of a failed status (-1), or 0. */
int check_status(int32_t status, const char* fn, const char* call);

extern PyTypeObject RecordingType;
PyObject* py_record(PyObject* self, PyObject* args);

#endif
