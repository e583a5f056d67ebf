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

/// `q8ChannelMoments` with AVX2, the same exact integers: sixteen channels a step, two rows
/// paired per channel (`vpunpck*wd`) so that one `vpmaddwd` squares and adds both and another
/// (by ones) adds them; int32 lanes, moved into the int64 totals every 16384 rows (255² ·
/// 16384 < 2³¹). The last `channels % 16` channels and an odd last row go scalar.
public func q8ChannelMomentsAVX2(
  signed: Bool, rows: Int, channels: Int, input: UnsafeRawPointer, zeroPoint: Int32,
  sum: UnsafeMutablePointer<Int64>, sumOfSquares: UnsafeMutablePointer<Int64>
) {
  if signed {
    channelMoments(true, rows, channels, input, zeroPoint, sum, sumOfSquares)
  } else {
    channelMoments(false, rows, channels, input, zeroPoint, sum, sumOfSquares)
  }
}

@inline(__always)
private func channelMoments(
  _ signed: Bool, _ rows: Int, _ channels: Int, _ input: UnsafeRawPointer, _ zeroPoint: Int32,
  _ sum: UnsafeMutablePointer<Int64>, _ sumOfSquares: UnsafeMutablePointer<Int64>
) {
  for c in 0..<channels {
    sum[c] = 0
    sumOfSquares[c] = 0
  }
  let zp = _mm256_set1_epi16(Int16(truncatingIfNeeded: zeroPoint)), ones = _mm256_set1_epi16(1)
  @inline(__always) func centred(_ p: UnsafeRawPointer) -> __m256i { _mm256_sub_epi16(widen16(p, signed: signed), zp) }
  @inline(__always) func scalar(_ r: Int, _ c: Int) {
    let byte = input.load(fromByteOffset: r &* channels &+ c, as: UInt8.self)
    let v = Int64((signed ? Int32(Int8(bitPattern: byte)) : Int32(byte)) &- zeroPoint)
    sum[c] &+= v
    sumOfSquares[c] &+= v &* v
  }
  let vectorChannels = channels & ~15
  var first = 0
  while first < rows {
    let last = min(rows, first &+ 16384)
    var c = 0
    while c < vectorChannels {
      // Lanes: channels c..c+3, c+8..c+11 (lo) and c+4..c+7, c+12..c+15 (hi), as unpacked.
      var s0 = _mm256_setzero_si256(), s1 = s0, q0 = s0, q1 = s0
      @inline(__always) func add(_ a: __m256i, _ b: __m256i) {
        let lo = _mm256_unpacklo_epi16(a, b), hi = _mm256_unpackhi_epi16(a, b)
        s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(lo, ones))
        s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(hi, ones))
        q0 = _mm256_add_epi32(q0, _mm256_madd_epi16(lo, lo))
        q1 = _mm256_add_epi32(q1, _mm256_madd_epi16(hi, hi))
      }
      var r = first
      while last &- r >= 2 {
        add(centred(input + (r &* channels &+ c)), centred(input + ((r &+ 1) &* channels &+ c)))
        r &+= 2
      }
      if r < last { add(centred(input + (r &* channels &+ c)), _mm256_setzero_si256()) }
      var totals = (s0, s1, q0, q1)
      withUnsafeBytes(of: &totals) { raw in
        let v = raw.bindMemory(to: Int32.self)
        for lane in 0..<8 {
          let channel = c &+ (lane < 4 ? lane : lane &+ 4)
          sum[channel] &+= Int64(v[lane])
          sum[channel &+ 4] &+= Int64(v[8 &+ lane])
          sumOfSquares[channel] &+= Int64(v[16 &+ lane])
          sumOfSquares[channel &+ 4] &+= Int64(v[24 &+ lane])
        }
      }
      c &+= 16
    }
    for r in first..<last {
      for c in vectorChannels..<channels { scalar(r, c) }
    }
    first = last
  }
}
