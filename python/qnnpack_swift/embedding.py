"""Bags of weight-only quantized embeddings (PyTorch's quantized EmbeddingBag with quint8 /
quint4x2 rows), float32 results."""
import numpy as np

from . import _validation as v

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")


def _index_array(value, name):
    a = np.asarray(value)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array, got dtype {a.dtype}")
    return a.astype(np.int64)


def _bags(indices, offsets, include_last_offset):
    """(flat indices, bag starts, bag lengths) with every bag non-empty."""
    if offsets is None:
        if indices.ndim != 2:
            raise ValueError(f"indices must be 2-D [bags, per_bag] when offsets is None, "
                             f"got shape {indices.shape}")
        bags, per_bag = indices.shape
        if per_bag == 0 and bags:
            raise ValueError("empty bags: indices has 0 columns")
        return indices.reshape(-1), np.arange(bags) * per_bag, np.full(bags, per_bag)
    if indices.ndim != 1:
        raise ValueError(f"indices must be 1-D with offsets, got shape {indices.shape}")
    offsets = _index_array(offsets, "offsets")
    if offsets.ndim != 1:
        raise ValueError(f"offsets must be 1-D, got shape {offsets.shape}")
    ends = offsets[1:] if include_last_offset else np.append(offsets[1:], len(indices))
    starts = offsets[:-1] if include_last_offset else offsets
    if len(starts) and (starts[0] != 0 or (include_last_offset and ends[-1] != len(indices))):
        raise ValueError("offsets must start at 0"
                         + (" and end at len(indices)" if include_last_offset else ""))
    if len(starts) == 0 and len(indices):
        raise ValueError("offsets gives no bag for a non-empty indices")
    lengths = ends - starts
    if (lengths < 0).any() or (len(ends) and ends[-1] > len(indices)):
        raise ValueError("offsets must be non-decreasing and within len(indices)")
    if (lengths == 0).any():
        raise ValueError(f"empty bags (bag {int(np.argmax(lengths == 0))} has no index)")
    return indices, starts, lengths


def embedding_bag(weight, scales, biases, indices, offsets=None, *, mode="sum", bits=8,
                  per_sample_weights=None, include_last_offset=False, out=None):
    """Reduces bags of rows of a weight-only quantized embedding table to float32
    ``[bags, dim]``.

    - ``weight``: uint8 ``[rows, dim]`` (``bits=8``) or ``[rows, dim/2]`` (``bits=4``, two
      values a byte, low nibble first). Row ``r`` dequantizes to
      ``float32(q) * scales[r] + biases[r]`` (float32; ``scales``, ``biases`` length ``rows``).
    - ``offsets``: as ``torch.nn.EmbeddingBag``: bag ``i`` is ``indices[offsets[i]:offsets[i+1]]``,
      the last running to the end (or to ``offsets[-1]`` with ``include_last_offset=True``);
      ``offsets[0]`` must be 0. None: ``indices`` is 2-D, one bag per row. Every bag must hold
      at least one index, every index must be in ``[0, rows)``.
    - ``mode``: "sum", "mean" or "max"; ``per_sample_weights`` (float, shaped as ``indices``)
      multiply each row in float32, with "sum" only.
    - Summation order: the (weighted) float32 rows of a bag are added in float64 in index
      order, "mean" divides that sum by the bag's length in float64, and the result is
      rounded once to float32. "max" is the elementwise maximum of the float32 rows (exact).
    """
    w = np.asarray(weight)
    if w.dtype != v.UINT8:
        raise TypeError(f"weight must be a uint8 array, got dtype {w.dtype}")
    v.check_ndim(w, 2, "weight", "[rows, columns]", batch=False)
    bits = v.integer(bits, "bits")
    if bits not in (4, 8):
        raise ValueError(f"bits must be 4 or 8, got {bits}")
    if mode not in _MODES:
        raise ValueError(f'mode must be "sum", "mean" or "max", got {mode!r}')
    rows = w.shape[0]
    scales = v.float_array(scales, "scales")
    biases = v.float_array(biases, "biases")
    for name, a in (("scales", scales), ("biases", biases)):
        if a.shape != (rows,):
            raise ValueError(f"{name} must have shape ({rows},), got {a.shape}")
    indices = _index_array(indices, "indices")
    flat, starts, lengths = _bags(indices, offsets, bool(include_last_offset))
    if len(flat) and (flat.min() < 0 or flat.max() >= rows):
        raise ValueError(f"indices must be in [0, {rows}), got values in "
                         f"[{flat.min()}, {flat.max()}]")
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError('per_sample_weights needs mode="sum"')
        psw = v.float_array(per_sample_weights, "per_sample_weights")
        if psw.shape != indices.shape:
            raise ValueError(f"per_sample_weights must have the shape of indices {indices.shape}, "
                             f"got {psw.shape}")
        psw = psw.reshape(-1)
    dim = w.shape[1] * (2 if bits == 4 else 1)

    def run(y):
        q = w[flat]
        if bits == 4:
            q = np.stack((q & 0x0F, q >> 4), axis=-1).reshape(len(flat), dim)
        values = q.astype(np.float32) * scales[flat, None] + biases[flat, None]
        if mode == "max":
            y[...] = np.maximum.reduceat(values, starts, axis=0)
            return
        if per_sample_weights is not None:
            values = values * psw[:, None]
        total = np.add.reduceat(values.astype(np.float64), starts, axis=0)
        if mode == "mean":
            total /= lengths[:, None]
        y[...] = total

    return v.run_into(out, (len(starts), dim), v.FLOAT32,
                      tuple(a for a in (w, scales, biases) if isinstance(a, np.ndarray)), run)
