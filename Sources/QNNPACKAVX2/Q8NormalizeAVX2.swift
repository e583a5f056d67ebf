import _Builtin_intrinsics.intel
import QNNPACKKernels

/// `q8NormalizeRows` four doubles a vector, bit-exact with it: `y = (s·(q − zp) − mean[c]) ·
/// factor[c] + shift[c]` (separate multiplies and adds, no FMA), clamped as `min(max(y, lo),
/// hi)` (`maxpd(lo, y)`, `minpd(hi, ·)`: a NaN passes through both, as there), rounded by the
/// same 1.5·2^52 addition (the rounded integer is the low dword), + zp. Sixteen channels a
/// step, then four, the last few scalar. `signedIO`: int8 data, else uint8.
public func q8NormalizeRowsAVX2(
  signedIO: Bool, rows: Int, channels: Int, input: UnsafeRawPointer, inputScale: Double,
  inputZeroPoint: Int32, mean: UnsafePointer<Double>, factor: UnsafePointer<Double>,
  shift: UnsafePointer<Double>, quantization: OutputQuantization, output: UnsafeMutableRawPointer
) {
  if signedIO {
    normalizeRows(true, rows, channels, input, inputScale, inputZeroPoint, mean, factor, shift, quantization, output)
  } else {
    normalizeRows(false, rows, channels, input, inputScale, inputZeroPoint, mean, factor, shift, quantization, output)
  }
}

@inline(__always)
private func normalizeRows(
  _ signed: Bool, _ rows: Int, _ channels: Int, _ input: UnsafeRawPointer, _ inputScale: Double,
  _ inputZeroPoint: Int32, _ mean: UnsafePointer<Double>, _ factor: UnsafePointer<Double>,
  _ shift: UnsafePointer<Double>, _ q: OutputQuantization, _ output: UnsafeMutableRawPointer
) {
  let loScalar = Double(q.lo - q.zeroPoint), hiScalar = Double(q.hi - q.zeroPoint)
  let lo = _mm256_set1_pd(loScalar), hi = _mm256_set1_pd(hiScalar), s = _mm256_set1_pd(inputScale)
  let magicScalar = 6_755_399_441_055_744.0, magic = _mm256_set1_pd(magicScalar)
  let zeroPoint = _mm_set1_epi32(inputZeroPoint), outputZeroPoint = _mm_set1_epi16(Int16(truncatingIfNeeded: q.zeroPoint))
  let m = UnsafeRawPointer(mean), f = UnsafeRawPointer(factor), b = UnsafeRawPointer(shift)
  /// Four channels from `c`: the rounded values less the zero point, as int32.
  @inline(__always) func rounded4(_ x: UnsafeRawPointer, _ c: Int) -> __m128i {
    let bytes = _mm_cvtsi32_si128(x.loadUnaligned(fromByteOffset: c, as: Int32.self))
    let v = _mm_sub_epi32(signed ? _mm_cvtepi8_epi32(bytes) : _mm_cvtepu8_epi32(bytes), zeroPoint)
    let d = _mm256_mul_pd(s, _mm256_cvtepi32_pd(v))
    let centred = _mm256_sub_pd(d, m.loadUnaligned(fromByteOffset: 8 &* c, as: __m256d.self))
    let y = _mm256_add_pd(_mm256_mul_pd(centred, f.loadUnaligned(fromByteOffset: 8 &* c, as: __m256d.self)),
                          b.loadUnaligned(fromByteOffset: 8 &* c, as: __m256d.self))
    let r = _mm256_castpd_si256(_mm256_add_pd(_mm256_min_pd(hi, _mm256_max_pd(lo, y)), magic))
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(r, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)))
  }
  @inline(__always) func bytes16(_ a: __m128i, _ b: __m128i, _ c: __m128i, _ d: __m128i) -> __m128i {
    let ab = _mm_add_epi16(_mm_packs_epi32(a, b), outputZeroPoint)
    let cd = _mm_add_epi16(_mm_packs_epi32(c, d), outputZeroPoint)
    return signed ? _mm_packs_epi16(ab, cd) : _mm_packus_epi16(ab, cd)
  }
  for r in 0..<rows {
    let x = input + r &* channels, out = output + r &* channels
    var c = 0
    while c &+ 16 <= channels {
      out.storeBytes(of: bytes16(rounded4(x, c), rounded4(x, c &+ 4), rounded4(x, c &+ 8), rounded4(x, c &+ 12)),
                     toByteOffset: c, as: __m128i.self)
      c &+= 16
    }
    while c &+ 4 <= channels {
      let a = rounded4(x, c)
      out.storeBytes(of: _mm_cvtsi128_si32(bytes16(a, a, a, a)), toByteOffset: c, as: Int32.self)
      c &+= 4
    }
    while c < channels {
      let v = signed ? Int32(x.load(fromByteOffset: c, as: Int8.self)) : Int32(x.load(fromByteOffset: c, as: UInt8.self))
      let y = (inputScale * Double(v &- inputZeroPoint) - mean[c]) * factor[c] + shift[c]
      let clamped = Swift.min(Swift.max(y, loScalar), hiScalar)
      let rounded = Int32(truncatingIfNeeded: (clamped + magicScalar).bitPattern)
      out.storeBytes(of: UInt8(truncatingIfNeeded: rounded &+ q.zeroPoint), toByteOffset: c, as: UInt8.self)
      c &+= 1
    }
  }
}
