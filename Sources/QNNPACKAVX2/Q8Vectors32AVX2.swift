import _Builtin_intrinsics.intel
import QNNPACKKernels

/// `OutputQuantization` for 8 or 32 float32 values at a time, bit-exact with its `quantize`:
/// clamp in float to [lo − zp, hi − zp] (operands in the order of its selects, so NaN goes
/// through the same way), round half to even with `vcvtps2dq` (default MXCSR), + zp. The zero
/// point is added in int16 after the first narrowing: clamped values and results fit.
struct Requantization8x {
  let lo: __m256
  let hi: __m256
  let zeroPoint: __m256i
  let loBytes: __m256i
  let hiBytes: __m256i

  @inline(__always)
  init(_ q: OutputQuantization) {
    lo = _mm256_set1_ps(q.loLessZeroPoint)
    hi = _mm256_set1_ps(q.hiLessZeroPoint)
    zeroPoint = _mm256_set1_epi16(Int16(truncatingIfNeeded: q.zeroPoint))
    loBytes = _mm256_set1_epi8(CChar(truncatingIfNeeded: q.lo))
    hiBytes = _mm256_set1_epi8(CChar(truncatingIfNeeded: q.hi))
  }

  @inline(__always)
  func rounded(_ y: __m256) -> __m256i {
    _mm256_cvtps_epi32(_mm256_min_ps(hi, _mm256_max_ps(lo, y)))
  }

  /// Values 0…31 as bytes in element order (the 256-bit packs work per 128-bit lane, the
  /// permutation puts their dwords back in order).
  @inline(__always)
  func bytes32(_ y0: __m256, _ y1: __m256, _ y2: __m256, _ y3: __m256, signed: Bool) -> __m256i {
    let s01 = _mm256_add_epi16(_mm256_packs_epi32(rounded(y0), rounded(y1)), zeroPoint)
    let s23 = _mm256_add_epi16(_mm256_packs_epi32(rounded(y2), rounded(y3)), zeroPoint)
    let b = signed ? _mm256_packs_epi16(s01, s23) : _mm256_packus_epi16(s01, s23)
    return _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
  }

  /// Values in the lane order of `Centring32.centred` as 32 bytes in element order (the
  /// per-lane packs undo that order). Where `|y| < 2^31` is known (`floatClamp` false) the
  /// float clamp can go: `vcvtps2dq` is then exact, and the saturating narrowings (+ zp with
  /// saturation) followed by the byte clamp give the same bytes.
  @inline(__always)
  func bytes32(lanes y0: __m256, _ y1: __m256, _ y2: __m256, _ y3: __m256, signed: Bool, floatClamp: Bool) -> __m256i {
    @inline(__always) func r(_ y: __m256) -> __m256i { floatClamp ? rounded(y) : _mm256_cvtps_epi32(y) }
    let s01 = _mm256_adds_epi16(_mm256_packs_epi32(r(y0), r(y1)), zeroPoint)
    let s23 = _mm256_adds_epi16(_mm256_packs_epi32(r(y2), r(y3)), zeroPoint)
    if signed {
      return _mm256_min_epi8(_mm256_max_epi8(_mm256_packs_epi16(s01, s23), loBytes), hiBytes)
    }
    return _mm256_min_epu8(_mm256_max_epu8(_mm256_packus_epi16(s01, s23), loBytes), hiBytes)
  }

  /// Values 0…7 as the 8 bytes of an Int64, in element order.
  @inline(__always)
  func bytes8(_ y: __m256, signed: Bool) -> Int64 {
    let s = _mm256_add_epi16(_mm256_packs_epi32(rounded(y), rounded(y)), zeroPoint)
    let b = signed ? _mm256_packs_epi16(s, s) : _mm256_packus_epi16(s, s)
    return _mm_cvtsi128_si64(_mm256_castsi256_si128(_mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4))))
  }
}

/// Sixteen bytes at `p` widened to int16 (sign- or zero-extended).
@inline(__always)
func widen16(_ p: UnsafeRawPointer, signed: Bool) -> __m256i {
  let bytes = p.loadUnaligned(as: __m128i.self)
  return signed ? _mm256_cvtepi8_epi16(bytes) : _mm256_cvtepu8_epi16(bytes)
}

/// Eight bytes at `p` widened to int32 (sign- or zero-extended).
@inline(__always)
func widen8(_ p: UnsafeRawPointer, signed: Bool) -> __m256i {
  let v = _mm_cvtsi64_si128(p.loadUnaligned(as: Int64.self))
  return signed ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v)
}

/// `f32(x − zeroPoint)` for 8-bit `x`, without an int→float conversion (which would compete
/// with the requantization's for the same execution ports): `x + 128·signed` is a byte, so
/// adding the bits of 2^23 gives the float `2^23 + x + 128·signed` exactly, and subtracting
/// `2^23 + 128·signed + zeroPoint` leaves the exact difference (below 2^9).
struct Centring {
  let bias: __m256i
  let offset: __m256

  @inline(__always)
  init(zeroPoint: Int32, signed: Bool) {
    let bias: Int32 = signed ? 0x4B00_0080 : 0x4B00_0000
    self.bias = _mm256_set1_epi32(bias)
    offset = _mm256_set1_ps(Float(bitPattern: UInt32(bias)) + Float(zeroPoint))
  }

  /// The eight bytes at `p`, centred.
  @inline(__always)
  func centred8(_ p: UnsafeRawPointer, signed: Bool) -> __m256 {
    _mm256_sub_ps(_mm256_castsi256_ps(_mm256_add_epi32(widen8(p, signed: signed), bias)), offset)
  }
}

/// `f32(x − zeroPoint)` for 32 bytes, in lane order (dwords 0–3|16–19, 4–7|20–23, 8–11|24–27,
/// 12–15|28–31 of the four vectors): interleaving the bytes, widened to words, with the high
/// half 0x4B00 gives the floats `2^23 + x (+ 128 if signed, the sign bit flipped first)`
/// exactly, one shuffle per 8 values; subtracting `2^23 (+ 128) + zeroPoint` leaves the exact
/// difference.
struct Centring32 {
  let offset: __m256

  @inline(__always)
  init(zeroPoint: Int32, signed: Bool) {
    offset = _mm256_set1_ps(8_388_608 + Float(signed ? 128 : 0) + Float(zeroPoint))
  }

  @inline(__always)
  func centred(_ p: UnsafeRawPointer, signed: Bool) -> (__m256, __m256, __m256, __m256) {
    var v = p.loadUnaligned(as: __m256i.self)
    if signed { v = _mm256_xor_si256(v, _mm256_set1_epi8(-128)) }
    let zero = _mm256_setzero_si256(), exponent = _mm256_set1_epi16(0x4B00)
    let lo = _mm256_unpacklo_epi8(v, zero), hi = _mm256_unpackhi_epi8(v, zero)
    @inline(__always) func f(_ bits: __m256i) -> __m256 { _mm256_sub_ps(_mm256_castsi256_ps(bits), offset) }
    return (f(_mm256_unpacklo_epi16(lo, exponent)), f(_mm256_unpackhi_epi16(lo, exponent)),
            f(_mm256_unpacklo_epi16(hi, exponent)), f(_mm256_unpackhi_epi16(hi, exponent)))
  }
}

/// Runs `block(x, y, output)` on each 32-element block of a row of `count` elements. Element
/// sizes are in bytes; an input of size 0 is broadcast (never advanced). The last partial
/// block goes through zeroed stack buffers, so nothing past either row is read or written.
@inline(__always)
func forEachBlock32(
  count: Int, _ x: UnsafeRawPointer, xSize: Int, _ y: UnsafeRawPointer, ySize: Int,
  _ output: UnsafeMutableRawPointer, outputSize: Int,
  _ block: (UnsafeRawPointer, UnsafeRawPointer, UnsafeMutableRawPointer) -> Void
) {
  var i = 0
  while i &+ 32 <= count {
    block(x + i &* xSize, y + i &* ySize, output + i &* outputSize)
    i &+= 32
  }
  let n = count &- i
  if n == 0 { return }
  // Twelve vectors on the stack: 128 bytes for each input and for the output.
  let z = _mm256_setzero_si256()
  var buffer = (z, z, z, z, z, z, z, z, z, z, z, z)
  withUnsafeMutableBytes(of: &buffer) { buffer in
    let bx = buffer.baseAddress!, by = bx + 128, bo = bx + 256
    if xSize > 0 { bx.copyMemory(from: x + i &* xSize, byteCount: n &* xSize) }
    if ySize > 0 { by.copyMemory(from: y + i &* ySize, byteCount: n &* ySize) }
    block(xSize > 0 ? UnsafeRawPointer(bx) : x, ySize > 0 ? UnsafeRawPointer(by) : y, bo)
    (output + i &* outputSize).copyMemory(from: bo, byteCount: n &* outputSize)
  }
}

/// Selects the int8 or uint8 form of a kernel at compile time: generic specialisation makes
/// `signed` a constant where inlining a `signed: Bool` argument would not be guaranteed.
protocol ByteSignedness {
  static var signed: Bool { get }
}

enum Int8Bytes: ByteSignedness {
  static var signed: Bool { true }
}

enum UInt8Bytes: ByteSignedness {
  static var signed: Bool { false }
}
