import _Builtin_intrinsics.intel
import QNNPACKKernels

/// The requantization constants of one operator, broadcast once per kernel call.
@usableFromInline
struct QuantizationVectors {
  let zeroPoint: __m256i
  let hi: __m256
  let loBytes: __m256i
  let hiBytes: __m256i
  /// Neither clamp is needed: the operator has shown `|acc · multiplier| < 2³⁰`
  /// (`convertsExactly`, so `vcvtps2dq` cannot overflow) and the bounds are the output type's
  /// range (the saturating packs clamp). A constant in each copy `specialized` makes, so the
  /// epilogues have no branches.
  private(set) var lean = false

  /// Both clamps, whatever the operator allows.
  @inline(__always)
  init(_ q: OutputQuantization) {
    zeroPoint = _mm256_set1_epi16(Int16(truncatingIfNeeded: q.zeroPoint))
    hi = _mm256_set1_ps(q.hiLessZeroPoint)
    loBytes = _mm256_set1_epi8(Int8(truncatingIfNeeded: q.lo))
    hiBytes = _mm256_set1_epi8(Int8(truncatingIfNeeded: q.hi))
  }

  /// Whether `q` lets the epilogues go without clamps.
  @inline(__always)
  static func allowsLean(_ q: OutputQuantization, signedOutput: Bool) -> Bool {
    q.convertsExactly && (signedOutput ? q.lo <= -128 && q.hi >= 127 : q.lo <= 0 && q.hi >= 255)
  }

  /// Without clamps (where `allowsLean`).
  @inline(__always)
  static func lean(_ q: OutputQuantization) -> QuantizationVectors {
    var v = QuantizationVectors(q)
    v.lean = true
    return v
  }

  /// `body` compiled twice, with and without the clamps, and run with the one `q` allows.
  @inline(__always)
  static func specialized<R>(
    _ q: OutputQuantization, signedOutput: Bool, _ body: (QuantizationVectors) -> R
  ) -> R {
    allowsLean(q, signedOutput: signedOutput) ? body(lean(q)) : body(QuantizationVectors(q))
  }
}

/// Rounds 8 channels to int32 without the zero point, clamped from above only (not at all when
/// `lean`): a product beyond int32 converts to INT32_MIN, so just the upper side needs a
/// bound; the lower side saturates through the packs (`narrow`), as the reference's clamp
/// would. `vcvtps2dq` rounds half to even under the default MXCSR, and clamping before
/// rounding is exact because the bound is an integer.
@inline(__always)
func requantize8(_ acc: __m256i, _ multiplier: __m256, _ q: QuantizationVectors) -> __m256i {
  let y = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), multiplier)
  return _mm256_cvtps_epi32(q.lean ? y : _mm256_min_ps(y, q.hi))
}

/// Two `requantize8` results packed to int16 (lane pairs interleaved as `vpackssdw` does)
/// with the zero point added, both saturating: a value saturated here lies beyond any 8-bit
/// bound, so `narrow` gives what the reference's clamp gives.
@inline(__always)
func requantizePair(_ i0: __m256i, _ i1: __m256i, _ q: QuantizationVectors) -> __m256i {
  _mm256_adds_epi16(_mm256_packs_epi32(i0, i1), q.zeroPoint)
}

/// Requantizes 16 channels held in lane order (`PackedWeights.laneChannel`) to int16 in
/// channel order, zero point added (not yet clamped: see `narrow`).
@inline(__always)
func requantize16(
  _ acc0: __m256i, _ acc1: __m256i, multiplier: UnsafeRawPointer, _ q: QuantizationVectors
) -> __m256i {
  // Lane order makes this pack yield channels 0…15 in order.
  requantizePair(requantize8(acc0, multiplier.loadUnaligned(as: __m256.self), q),
                 requantize8(acc1, (multiplier + 32).loadUnaligned(as: __m256.self), q), q)
}

/// Packs two int16 vectors to 8 bits with saturation and clamps them to the output bounds
/// (unless `lean`: the saturation is the clamp).
@inline(__always)
func narrow(_ a: __m256i, _ b: __m256i, _ q: QuantizationVectors, signedOutput: Bool) -> __m256i {
  if signedOutput {
    let s8 = _mm256_packs_epi16(a, b)
    return q.lean ? s8 : _mm256_min_epi8(_mm256_max_epi8(s8, q.loBytes), q.hiBytes)
  }
  let u8 = _mm256_packus_epi16(a, b)
  return q.lean ? u8 : _mm256_min_epu8(_mm256_max_epu8(u8, q.loBytes), q.hiBytes)
}

/// `requantize16` of one row, stored: the first `columns` channels.
@inline(__always)
func requantizeStore16(
  _ acc0: __m256i, _ acc1: __m256i, multiplier: UnsafeRawPointer, _ q: QuantizationVectors,
  columns: Int, signedOutput: Bool, output: UnsafeMutableRawPointer
) {
  let s16 = requantize16(acc0, acc1, multiplier: multiplier, q)
  let s8 = narrow(s16, s16, q, signedOutput: signedOutput)
  let bytes = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(s8, _mm256_setr_epi32(0, 1, 4, 5, 0, 1, 4, 5)))
  storeColumns(bytes, columns, output)
}

/// Two rows' `requantize16` results narrowed with one pack and one permute, then stored.
@inline(__always)
func requantizeStore16x2(
  _ row0: __m256i, _ row1: __m256i, _ q: QuantizationVectors, columns: Int, signedOutput: Bool,
  output: UnsafeMutableRawPointer, _ output1: UnsafeMutableRawPointer
) {
  // Pack gives [row0 0…7, row1 0…7 | row0 8…15, row1 8…15]; the permute puts each row in a half.
  let s8 = narrow(row0, row1, q, signedOutput: signedOutput)
  let rows = _mm256_permutevar8x32_epi32(s8, _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7))
  storeColumns(_mm256_castsi256_si128(rows), columns, output)
  storeColumns(__m128i(rows[2], rows[3]), columns, output1)  // vextracti128 (the intrinsic is a macro)
}

@inline(__always)
private func storeColumns(_ bytes: __m128i, _ columns: Int, _ output: UnsafeMutableRawPointer) {
  if columns == 16 {
    output.storeBytes(of: bytes, as: __m128i.self)
  } else {
    withUnsafeBytes(of: bytes) { output.copyMemory(from: $0.baseAddress!, byteCount: columns) }
  }
}
