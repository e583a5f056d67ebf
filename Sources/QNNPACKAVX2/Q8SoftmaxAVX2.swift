import _Builtin_intrinsics.intel
import QNNPACKKernels

/// Softmax over the middle axis of `[rows, length, inner]` 8-bit values, bit-exact with
/// `q8Softmax` (the reference's float64 operations in its order; see there): row maxima with
/// byte `vpmax`, `e` from the exp table, the sum in NumPy's order four doubles a vector (a
/// contiguous row pairwise, otherwise one row of the axis after the other per position), the
/// requantization four doubles a vector. `scratch` holds `length + 3` doubles when
/// `inner == 1`, else `3 · (inner + 3)`. `signedIO`: int8 data, else uint8.
public func q8SoftmaxAVX2(
  signedIO: Bool, rows: Int, length: Int, inner: Int, input: UnsafeRawPointer, exps: UnsafePointer<Double>,
  outputScale: Double, quantization: OutputQuantization, output: UnsafeMutableRawPointer,
  scratch: UnsafeMutablePointer<Double>
) {
  let q = SoftmaxQuantization4(quantization, outputScale: outputScale)
  for r in 0..<rows {
    let x = input + r &* length &* inner, y = output + r &* length &* inner
    if signedIO {
      if inner == 1 {
        softmaxRow(Int8Bytes.self, length, x, exps, q, y, scratch)
      } else {
        softmaxColumns(Int8Bytes.self, length, inner, x, exps, q, y, scratch)
      }
    } else {
      if inner == 1 {
        softmaxRow(UInt8Bytes.self, length, x, exps, q, y, scratch)
      } else {
        softmaxColumns(UInt8Bytes.self, length, inner, x, exps, q, y, scratch)
      }
    }
  }
}

/// `q8Softmax`'s requantization of `e` for four positions: `e · factor` (factor
/// `1 / (Σ · output_scale)`) clamped, and where it lies within 2^-49 (relative) of a .5
/// boundary, the reference's `(e / Σ) / output_scale` instead; rounded half to even
/// (`vcvtpd2dq`, default MXCSR), less the zero point.
private struct SoftmaxQuantization4 {
  let lo: __m256d
  let hi: __m256d
  let outputScale: __m256d
  let zeroPoint: __m128i

  @inline(__always)
  init(_ q: OutputQuantization, outputScale: Double) {
    lo = _mm256_set1_pd(Double(q.lo - q.zeroPoint))
    hi = _mm256_set1_pd(Double(q.hi - q.zeroPoint))
    self.outputScale = _mm256_set1_pd(outputScale)
    zeroPoint = _mm_set1_epi16(Int16(truncatingIfNeeded: q.zeroPoint))
  }

  @inline(__always)
  func rounded(_ e: __m256d, factor: __m256d, sum: __m256d) -> __m128i {
    let magic = _mm256_set1_pd(6_755_399_441_055_744), signBit = _mm256_set1_pd(-0.0)
    var c = _mm256_min_pd(_mm256_max_pd(_mm256_mul_pd(e, factor), lo), hi)
    let fraction = _mm256_andnot_pd(signBit, _mm256_sub_pd(c, _mm256_sub_pd(_mm256_add_pd(c, magic), magic)))
    let gap = _mm256_sub_pd(_mm256_set1_pd(0.5), fraction)
    // A clear sign bit in c·2^-49 − gap: that lane is near a boundary.
    if _mm256_movemask_pd(_mm256_sub_pd(_mm256_mul_pd(c, _mm256_set1_pd(0x1p-49)), gap)) != 0xF {
      c = _mm256_min_pd(_mm256_max_pd(_mm256_div_pd(_mm256_div_pd(e, sum), outputScale), lo), hi)
    }
    return _mm256_cvtpd_epi32(c)
  }

  /// Rounded values (four per vector, in order) + zp as 16 bytes; they fit, unsaturated.
  @inline(__always)
  func bytes16(_ a: __m128i, _ b: __m128i, _ c: __m128i, _ d: __m128i, signed: Bool) -> __m128i {
    let ab = _mm_add_epi16(_mm_packs_epi32(a, b), zeroPoint), cd = _mm_add_epi16(_mm_packs_epi32(c, d), zeroPoint)
    return signed ? _mm_packs_epi16(ab, cd) : _mm_packus_epi16(ab, cd)
  }

  @inline(__always)
  func bytes4(_ a: __m128i, signed: Bool) -> Int32 {
    _mm_cvtsi128_si32(bytes16(a, a, a, a, signed: signed))
  }
}

@inline(__always)
private func value<S: ByteSignedness>(_: S.Type, _ p: UnsafeRawPointer, _ i: Int) -> Int32 {
  S.signed ? Int32(p.load(fromByteOffset: i, as: Int8.self)) : Int32(p.load(fromByteOffset: i, as: UInt8.self))
}

@inline(__always)
private func max32<S: ByteSignedness>(_: S.Type, _ a: __m256i, _ b: __m256i) -> __m256i {
  S.signed ? _mm256_max_epi8(a, b) : _mm256_max_epu8(a, b)
}

@inline(__always)
private func max16<S: ByteSignedness>(_: S.Type, _ a: __m128i, _ b: __m128i) -> __m128i {
  S.signed ? _mm_max_epi8(a, b) : _mm_max_epu8(a, b)
}

/// The largest of `n` bytes: 32 a step (the last step overlapping), 16 bytes reduced by
/// shifts (byte 0 only ever meets data), scalar below 16.
@inline(__always)
private func rowMax<S: ByteSignedness>(_: S.Type, _ x: UnsafeRawPointer, _ n: Int) -> Int32 {
  if n < 16 {
    var top = value(S.self, x, 0)
    for i in 1..<n { top = Swift.max(top, value(S.self, x, i)) }
    return top
  }
  var m: __m128i
  if n >= 32 {
    var m32 = x.loadUnaligned(as: __m256i.self)
    var i = 32
    while i &+ 32 <= n {
      m32 = max32(S.self, m32, x.loadUnaligned(fromByteOffset: i, as: __m256i.self))
      i &+= 32
    }
    m32 = max32(S.self, m32, x.loadUnaligned(fromByteOffset: n &- 32, as: __m256i.self))
    let high = _mm256_permutevar8x32_epi32(m32, _mm256_setr_epi32(4, 5, 6, 7, 4, 5, 6, 7))
    m = max16(S.self, _mm256_castsi256_si128(m32), _mm256_castsi256_si128(high))
  } else {
    m = max16(S.self, x.loadUnaligned(as: __m128i.self), x.loadUnaligned(fromByteOffset: n &- 16, as: __m128i.self))
  }
  m = max16(S.self, m, _mm_unpackhi_epi64(m, m))
  m = max16(S.self, m, _mm_srli_epi64(m, 32))
  m = max16(S.self, m, _mm_srli_epi32(m, 16))
  m = max16(S.self, m, _mm_srli_epi16(m, 8))
  let byte = _mm_cvtsi128_si32(m)
  return S.signed ? Int32(Int8(truncatingIfNeeded: byte)) : byte & 0xFF
}

/// `softmaxPairwiseSum` over `n` contiguous doubles: the eight running sums of a block are
/// two vectors; `vhaddpd` gives [0+1, 4+5, 2+3, 6+7].
private func pairwiseSum(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
  if n > 128 {
    let half = (n / 2) & ~7
    return pairwiseSum(a, half) + pairwiseSum(a + half, n &- half)
  }
  var s = 0.0, i = 0
  if n >= 8 {
    let p = UnsafeRawPointer(a)
    var r0 = p.loadUnaligned(as: __m256d.self), r1 = p.loadUnaligned(fromByteOffset: 32, as: __m256d.self)
    i = 8
    while i < n & ~7 {
      r0 = _mm256_add_pd(r0, p.loadUnaligned(fromByteOffset: 8 &* i, as: __m256d.self))
      r1 = _mm256_add_pd(r1, p.loadUnaligned(fromByteOffset: 8 &* i &+ 32, as: __m256d.self))
      i &+= 8
    }
    let h = _mm256_hadd_pd(r0, r1)
    s = (h[0] + h[2]) + (h[1] + h[3])
  }
  while i < n {
    s += a[i]
    i &+= 1
  }
  return s
}

/// One contiguous row (`inner == 1`): `e` goes to `scratch` (zero padded to a multiple of
/// four), is summed there and requantized from there.
@inline(__always)
private func softmaxRow<S: ByteSignedness>(
  _: S.Type, _ n: Int, _ x: UnsafeRawPointer, _ exps: UnsafePointer<Double>, _ q: SoftmaxQuantization4,
  _ y: UnsafeMutableRawPointer, _ e: UnsafeMutablePointer<Double>
) {
  let top = rowMax(S.self, x, n)
  for i in 0..<n { e[i] = exps[Int(top &- value(S.self, x, i))] }
  for i in n..<((n &+ 3) & ~3) { e[i] = 0 }
  let sum = pairwiseSum(e, n)
  let sumV = _mm256_set1_pd(sum), factor = _mm256_set1_pd(1 / (sum * q.outputScale[0]))
  let p = UnsafeRawPointer(e)
  @inline(__always) func rounded(_ i: Int) -> __m128i {
    q.rounded(p.loadUnaligned(fromByteOffset: 8 &* i, as: __m256d.self), factor: factor, sum: sumV)
  }
  var i = 0
  while i &+ 16 <= n {
    y.storeBytes(of: q.bytes16(rounded(i), rounded(i &+ 4), rounded(i &+ 8), rounded(i &+ 12), signed: S.signed),
                 toByteOffset: i, as: __m128i.self)
    i &+= 16
  }
  while i < n {
    var four = q.bytes4(rounded(i), signed: S.signed)
    withUnsafeBytes(of: &four) { (y + i).copyMemory(from: $0.baseAddress!, byteCount: Swift.min(4, n &- i)) }
    i &+= 4
  }
}

/// One `[n, inner]` block (`inner > 1`): per position `j`, the maximum over the rows of the
/// axis (32 positions a step), the sum row after row (four positions a vector, in `scratch`
/// with the factors and maxima, padded to a multiple of four), then the requantization.
@inline(__always)
private func softmaxColumns<S: ByteSignedness>(
  _: S.Type, _ n: Int, _ inner: Int, _ x: UnsafeRawPointer, _ exps: UnsafePointer<Double>,
  _ q: SoftmaxQuantization4, _ y: UnsafeMutableRawPointer, _ scratch: UnsafeMutablePointer<Double>
) {
  let padded = (inner &+ 3) & ~3, whole = inner & ~3
  let sum = scratch, factor = scratch + padded
  let top = UnsafeMutableRawPointer(scratch + 2 &* padded).assumingMemoryBound(to: Int32.self)
  @inline(__always) func max32At(_ j: Int) {
    var m = x.loadUnaligned(fromByteOffset: j, as: __m256i.self)
    for i in 1..<n { m = max32(S.self, m, x.loadUnaligned(fromByteOffset: i &* inner &+ j, as: __m256i.self)) }
    let t = UnsafeMutableRawPointer(top + j)
    for k in 0..<4 {
      let b = _mm_cvtsi64_si128(Int64(truncatingIfNeeded: m[k]))
      t.storeBytes(of: S.signed ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b), toByteOffset: 32 &* k,
                   as: __m256i.self)
    }
  }
  var j = 0
  while j &+ 32 <= inner {
    max32At(j)
    j &+= 32
  }
  if j < inner {
    if inner >= 32 {
      max32At(inner &- 32)
    } else {
      for j in 0..<inner {
        var t = value(S.self, x, j)
        for i in 1..<n { t = Swift.max(t, value(S.self, x, i &* inner &+ j)) }
        top[j] = t
      }
    }
  }
  for j in inner..<padded { top[j] = 0 }
  @inline(__always) func e(_ i: Int, _ j: Int) -> Double { exps[Int(top[j] &- value(S.self, x, i &* inner &+ j))] }
  // The positions of a partial vector past `inner` hold e = 1 and are never stored.
  @inline(__always) func e4(_ i: Int, _ j: Int) -> __m256d {
    if j &+ 4 <= inner { return _mm256_setr_pd(e(i, j), e(i, j &+ 1), e(i, j &+ 2), e(i, j &+ 3)) }
    return _mm256_setr_pd(e(i, j), j &+ 1 < inner ? e(i, j &+ 1) : 1, j &+ 2 < inner ? e(i, j &+ 2) : 1, 1)
  }
  let s = UnsafeMutableRawPointer(sum), f = UnsafeMutableRawPointer(factor)
  for j in 0..<padded { sum[j] = 0 }
  for i in 0..<n {
    var j = 0
    while j < padded {
      s.storeBytes(of: _mm256_add_pd(s.loadUnaligned(fromByteOffset: 8 &* j, as: __m256d.self), e4(i, j)),
                   toByteOffset: 8 &* j, as: __m256d.self)
      j &+= 4
    }
  }
  let scale = q.outputScale
  for j in stride(from: 0, to: padded, by: 4) {
    let sj = s.loadUnaligned(fromByteOffset: 8 &* j, as: __m256d.self)
    f.storeBytes(of: _mm256_div_pd(_mm256_set1_pd(1), _mm256_mul_pd(sj, scale)), toByteOffset: 8 &* j, as: __m256d.self)
  }
  @inline(__always) func rounded(_ i: Int, _ j: Int) -> __m128i {
    q.rounded(e4(i, j), factor: f.loadUnaligned(fromByteOffset: 8 &* j, as: __m256d.self),
              sum: s.loadUnaligned(fromByteOffset: 8 &* j, as: __m256d.self))
  }
  for i in 0..<n {
    let out = y + i &* inner
    var j = 0
    while j &+ 16 <= inner {
      out.storeBytes(of: q.bytes16(rounded(i, j), rounded(i, j &+ 4), rounded(i, j &+ 8), rounded(i, j &+ 12),
                                   signed: S.signed), toByteOffset: j, as: __m128i.self)
      j &+= 16
    }
    while j < whole {
      out.storeBytes(of: q.bytes4(rounded(i, j), signed: S.signed), toByteOffset: j, as: Int32.self)
      j &+= 4
    }
    if j < inner {
      var four = q.bytes4(rounded(i, j), signed: S.signed)
      withUnsafeBytes(of: &four) { (out + j).copyMemory(from: $0.baseAddress!, byteCount: inner &- j) }
    }
  }
}
