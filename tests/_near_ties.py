"""Seeded searches for near-tie inputs: values whose §3 result (float32 arithmetic in the
stated order, then round half to even) differs from what a plausible but different
implementation would give — float64 multipliers, a re-associated multiplier, an accumulator
not rounded to float32 first, a fused multiply-add, a reciprocal instead of a division.

Random cases hit such inputs about once in 1e5 outputs, so on their own they cannot tell a
float32 pipeline from a float64 one. The operators' tests build cases from these values
and compare with the reference as usual; the `*_masks` functions (where each alternative
rounds differently) only select the inputs, round-robin over the alternatives so that each
one is represented.
"""
import numpy as np

from _support import log_uniform

f32 = np.float32
f64 = np.float64


def _rint(a):
    return np.rint(np.asarray(a, dtype=f64))


def _masks(ours, alts):
    """[len(alts), ...] bool: where each alternative rounds differently from ours."""
    ours = _rint(ours)
    return np.stack([np.broadcast_to(_rint(a) != ours, ours.shape) for a in alts])


def _covering(masks, n, rng):
    """Up to n flat indices where some alternative differs, taken round-robin over the
    alternatives so that each one that differs anywhere is represented."""
    flat = masks.reshape(masks.shape[0], -1)
    pools = [list(rng.permutation(np.flatnonzero(m))) for m in flat]
    chosen, seen = [], set()
    while len(chosen) < n and any(pools):
        for pool in pools:
            while pool and pool[0] in seen:
                pool.pop(0)
            if pool and len(chosen) < n:
                i = pool.pop(0)
                seen.add(i)
                chosen.append(i)
    return np.array(chosen, dtype=np.int64)


# ---- requantization of accumulators (conv2d, linear) ----------------------------------------
def requant_masks(in_s, w_s, out_s, acc):
    """Per alternative: elements of acc (int64) where §3 requantization differs from it."""
    acc = np.asarray(acc, dtype=np.int64)
    m32 = f32(f32(f32(in_s) * f32(w_s)) / f32(out_s))
    return _masks(acc.astype(f32) * m32, [
        acc * (in_s * w_s / out_s),                                     # float64 throughout
        acc.astype(f32) * f32(in_s * w_s / out_s),                      # multiplier from float64
        acc.astype(f32) * f32(f32(in_s) * f32(f32(w_s) / f32(out_s))),  # re-associated
        (acc.astype(f64) * f64(m32)).astype(f32),                       # acc not rounded to f32
        acc.astype(f32) * (f32(in_s) * f32(w_s)) / f32(out_s),          # y = acc*s_in*s_w / s_out
    ])


def requant_targets(rng, n, in_s, out_s, w_s=None, y_max=100, acc_range=(3e3, 9e8)):
    """n pairs (weight_scale, acc) on near ties (some alternative differs), |y| <= y_max + 1.

    With w_s given (per-tensor), every pair uses it; otherwise each pair gets its own
    weight scale, chosen so that the multiplier puts acc next to a .5 boundary."""
    out = []
    if w_s is not None:
        m32 = f32(f32(f32(in_s) * f32(w_s)) / f32(out_s))
        ks = np.arange(-y_max, y_max)
        cand = (np.rint((ks + 0.5) / f64(m32)).astype(np.int64)[:, None] + np.arange(-2, 3)).ravel()
        cand = np.unique(cand[(np.abs(cand) < 2 ** 31 - 2 ** 16) & (cand != 0)])
        idx = _covering(requant_masks(in_s, w_s, out_s, cand), n, rng)
        out = [(w_s, int(a)) for a in cand[idx]]
    else:
        for _ in range(100):
            if len(out) == n:
                break
            B = 512
            sign = rng.choice([-1, 1], size=B)
            acc = np.exp(rng.uniform(np.log(acc_range[0]), np.log(acc_range[1]), size=B))
            acc = acc.astype(np.int64) * sign
            k = rng.integers(0, y_max, size=B) * sign
            jitter = 1 + rng.integers(-8, 9, size=B) * 2.0 ** -24
            ws = (k + 0.5 * sign) / acc * out_s / in_s * jitter
            cand = acc[:, None] + np.arange(-1, 2)
            masks = requant_masks(in_s, ws[:, None], out_s, cand)        # [alts, B, 3]
            for b in _covering(masks.any(axis=2), n - len(out), rng):
                j = int(np.argmax(masks[:, b, :].any(axis=0)))
                out.append((float(ws[b]), int(cand[b, j])))
    if len(out) < n:
        raise RuntimeError(f"near-tie search found {len(out)} of {n} accumulators")
    return out


# ---- float bias quantization ------------------------------------------------------------------
def bias_masks(in_s, w_s, b):
    denom = f32(f32(in_s) * f32(w_s))
    b = np.asarray(b, dtype=f32)
    return _masks(b / denom, [b.astype(f64) / (f64(in_s) * f64(w_s)), b * (f32(1) / denom),
                              b.astype(f64) / f64(denom)])


def bias_targets(rng, in_s, w_scales, y_max=100):
    """One float32 bias per weight scale whose quantization is a near tie; channel c
    prefers a tie that the (c mod 3)-th alternative gets wrong."""
    out = []
    for c, ws in enumerate(w_scales):
        denom = f32(f32(in_s) * f32(ws))
        found = None
        for _ in range(20):
            ks = rng.integers(-y_max, y_max, size=256)
            b0 = ((ks + 0.5) * f64(denom)).astype(f32)
            cand, up, down = [b0], b0, b0
            for _ in range(3):
                up, down = np.nextafter(up, f32(np.inf)), np.nextafter(down, f32(-np.inf))
                cand += [up, down]
            cand = np.stack(cand, axis=1)                                 # [256, 7]
            masks = bias_masks(in_s, ws, cand)
            for hit in (masks[c % 3], masks.any(axis=0)):
                if hit.any():
                    idx = np.flatnonzero(hit.ravel())
                    found = cand.ravel()[idx[int(rng.integers(idx.size))]]
                    break
            if found is not None:
                break
        out.append(b0[0] if found is None else found)
    return np.array(out, f32)


WEIGHTED_SCHEMES = ("per-channel", "per-tensor", "float-bias")


def weighted_near_ties(rng, scheme, x, in_zp, in_s, out_s, channels, accumulators):
    """(x, weight_scale, output_scale, bias) that put each of `channels` output channels (one
    output each) on a near tie: of its requantization multiplier through an int32 bias
    ("per-channel" / "per-tensor" weight scales), or of the float bias's quantization with x
    all zero point ("float-bias"). `accumulators(x, weight_scale)` gives the bias-free sums."""
    if scheme == "float-bias":
        x = np.full(x.shape, in_zp, x.dtype)
        base = float(log_uniform(rng, 1e-3, 1))
        w_s = base * log_uniform(rng, 1, 2, size=channels)
        out_s = float(f32(f32(in_s) * f32(base)))
        return x, w_s, out_s, bias_targets(rng, in_s, w_s, y_max=50)
    if scheme == "per-channel":
        pairs = requant_targets(rng, channels, in_s, out_s)
        w_s = np.array([p[0] for p in pairs])
    else:
        m = float(log_uniform(rng, 1e-7, 1e-5))
        pairs = requant_targets(rng, channels, in_s, out_s, w_s=m * out_s / in_s)
        w_s = pairs[0][0]
    target = np.array([p[1] for p in pairs], np.int64)
    bias = (target - accumulators(x, w_s).reshape(channels)).astype(np.int32)
    return x, w_s, out_s, bias


# ---- add -------------------------------------------------------------------------------------
def add_masks(a_s, b_s, o_s, da, db):
    ma, mb = f32(f32(a_s) / f32(o_s)), f32(f32(b_s) / f32(o_s))
    fa, fb = da.astype(f32), db.astype(f32)
    return _masks(ma * fa + mb * fb, [
        da * (a_s / o_s) + db * (b_s / o_s),                        # float64
        (f64(ma) * da + f64(mb) * db).astype(f32),                  # products not rounded
        f64(ma) * da + (mb * fb).astype(f64),                       # fused multiply-add
        (f32(a_s) * fa + f32(b_s) * fb) / f32(o_s),                 # divide last
    ])


def add_triples(rng, n, dtype, tries=2000):
    """n (a_scale, a_zp, b_scale, b_zp, out_scale, out_zp) whose 256x256 grid has near
    ties; the k-th triple is one where the k-th alternative (cyclically) differs."""
    qmin, qmax = (0, 255) if np.dtype(dtype) == np.uint8 else (-128, 127)
    grid = np.arange(qmin, qmax + 1, dtype=np.int64)
    out = []
    for attempt in range(tries):
        if len(out) == n:
            break
        a_s = float(np.exp(rng.uniform(np.log(1e-3), np.log(1.0))))
        b_s = a_s * float(np.exp(rng.uniform(np.log(0.3), np.log(3))))
        o_s = max(a_s, b_s) * float(np.exp(rng.uniform(np.log(0.8), np.log(2.5))))
        azp, bzp = (int(v) for v in rng.integers(qmin, qmax + 1, size=2))
        ozp = (qmin + qmax + 1) // 2
        masks = add_masks(a_s, b_s, o_s, (grid - azp)[:, None], (grid - bzp)[None, :])
        if (masks[len(out) % len(masks)] if attempt < tries // 2 else masks).any():
            out.append((a_s, azp, b_s, bzp, o_s, ozp))
    if len(out) < n:
        raise RuntimeError(f"add near-tie search found {len(out)} of {n}")
    return out


# ---- requantize (q -> q) -----------------------------------------------------------------------
def requantize_masks(s_in, s_out, dq):
    m = f32(f32(s_in) / f32(s_out))
    fq = dq.astype(f32)
    return _masks(fq * m, [dq * (s_in / s_out), fq * f32(s_in / s_out),
                           (f32(s_in) * fq) / f32(s_out), fq * (f32(1) / f32(s_out)) * f32(s_in)])


def requantize_pairs(rng, n):
    """n (s_in, s_out) with near ties among q - zp in [-255, 255], the k-th one for the
    k-th alternative (cyclically)."""
    dq = np.arange(-255, 256, dtype=np.int64)
    out = []
    for attempt in range(800 * n):
        if len(out) == n:
            break
        d0 = int(rng.integers(20, 256)) * int(rng.choice([-1, 1]))
        k = int(rng.integers(0, 120))
        s_out = float(np.exp(rng.uniform(np.log(1e-3), np.log(10))))
        s_in = s_out * (k + 0.5) / abs(d0) * (1 + int(rng.integers(-8, 9)) * 2.0 ** -24)
        masks = requantize_masks(s_in, s_out, dq)
        if (masks[len(out) % len(masks)] if attempt < 400 * n else masks).any():
            out.append((s_in, s_out))
    if len(out) < n:
        raise RuntimeError(f"requantize near-tie search found {len(out)} of {n}")
    return out


# ---- quantize --------------------------------------------------------------------------------
def quantize_masks(scale, x):
    x = np.asarray(x, f32)
    return _masks(x / f32(scale), [x.astype(f64) / f64(scale), x * (f32(1) / f32(scale)),
                                   x.astype(f64) / f64(f32(scale))])


def quantize_near_ties(rng, scale, k_range=150):
    """float32 values next to (k + 0.5) * scale, a few ulps either side."""
    ks = np.arange(-k_range, k_range)
    centre = ((ks + 0.5) * f64(f32(scale))).astype(f32)
    vals = [centre]
    up, down = centre, centre
    for _ in range(3):
        up, down = np.nextafter(up, f32(np.inf)), np.nextafter(down, f32(-np.inf))
        vals += [up, down]
    x = np.concatenate(vals)
    return x[rng.permutation(x.size)]


# ---- average pooling ---------------------------------------------------------------------------
def avg_masks(in_s, out_s, div, acc):
    acc = np.asarray(acc, np.int64)
    m = f32(in_s) / (f32(out_s) * f32(div))
    fa = acc.astype(f32)
    return _masks(fa * m, [
        acc * (in_s / (out_s * div)),                                 # float64
        fa * f32(in_s / (out_s * div)),                               # multiplier from float64
        fa * f32(f32(in_s) / f32(out_s)) / f32(div),                  # divide by the count last
        (fa / f32(div)) * f32(f32(in_s) / f32(out_s)),                # average first
        fa * (f32(f32(in_s) / f32(out_s)) / f32(div)),                # (s_in / s_out) / count
    ])


def avg_pool_sums(rng, div, dtype, n, tries=80):
    """(in_s, out_s, in_zp, sums): up to n window sums Σ(x - zp) over div pixels that are
    near ties for one pair of scales (covering as many alternatives as the search finds),
    each reachable with x in [qmin, qmax]."""
    qmin, qmax = (0, 255) if np.dtype(dtype) == np.uint8 else (-128, 127)
    best, best_key = None, None
    for _ in range(tries):
        zp = int(rng.integers(qmin, qmax + 1))
        lo, hi = (qmin - zp) * div, (qmax - zp) * div
        in_s = float(np.exp(rng.uniform(np.log(1e-3), np.log(10))))
        out_s = in_s * float(np.exp(rng.uniform(np.log(0.5), np.log(2.5))))
        m32 = f32(in_s) / (f32(out_s) * f32(div))
        ks = np.arange(-300, 300)
        acc = np.unique((np.rint((ks + 0.5) / f64(m32)).astype(np.int64)[:, None]
                         + np.arange(-1, 2)).ravel())
        acc = acc[(acc >= lo) & (acc <= hi)]
        masks = avg_masks(in_s, out_s, div, acc)
        key = (int(masks.any(axis=1).sum()), int(masks.any(axis=0).sum()))
        if best_key is None or key > best_key:
            best, best_key = (in_s, out_s, zp, acc, masks), key
        if key[0] == masks.shape[0] and key[1] >= n:
            break
    in_s, out_s, zp, acc, masks = best
    if best_key[1] == 0:
        raise RuntimeError(f"avg-pool near-tie search found nothing for divisor {div}")
    return in_s, out_s, zp, acc[_covering(masks, n, rng)]


def window_with_sum(rng, div, total, dtype):
    """div quantized values (shuffled) summing to total."""
    base, rem = divmod(int(total), div)
    v = np.full(div, base, np.int64)
    v[:rem] += 1
    qmin, qmax = (0, 255) if np.dtype(dtype) == np.uint8 else (-128, 127)
    assert qmin <= v.min() and v.max() <= qmax and v.sum() == total
    return rng.permutation(v).astype(dtype)
