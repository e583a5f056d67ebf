import _Builtin_intrinsics.intel
import QNNPACKKernels

/// The requantization constants of one operator, broadcast once per kernel call.
@usableFromInline
struct QuantizationVectors {
  let zeroPoint: __m256i
  let lo: __m256
  let hi: __m256

  @inline(__always)
  init(_ q: OutputQuantization) {
    zeroPoint = _mm256_set1_epi32(q.zeroPoint)
    lo = _mm256_set1_ps(q.loLessZeroPoint)
    hi = _mm256_set1_ps(q.hiLessZeroPoint)
  }
}

/// Requantizes 8 channels to int32, already in the output range with the zero point added.
/// Bit-exact with `OutputQuantization.quantize`: `vcvtps2dq` rounds half to even under the
/// default MXCSR, and clamping before rounding is exact because the bounds are integers.
@inline(__always)
func requantize8(_ acc: __m256i, _ multiplier: __m256, _ q: QuantizationVectors) -> __m256i {
  let f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), multiplier)
  return _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, q.lo), q.hi)), q.zeroPoint)
}

/// Requantizes 16 channels held in lane order (`PackedWeights.laneChannel`) to int16 in
/// channel order.
@inline(__always)
func requantize16(
  _ acc0: __m256i, _ acc1: __m256i, multiplier: UnsafeRawPointer, _ q: QuantizationVectors
) -> __m256i {
  let i0 = requantize8(acc0, multiplier.loadUnaligned(as: __m256.self), q)
  let i1 = requantize8(acc1, (multiplier + 32).loadUnaligned(as: __m256.self), q)
  // Lane order makes this pack yield channels 0…15 in order (as int16, in range already).
  return _mm256_packs_epi32(i0, i1)
}

/// `requantize16` of one row, stored: the first `columns` channels.
@inline(__always)
func requantizeStore16(
  _ acc0: __m256i, _ acc1: __m256i, multiplier: UnsafeRawPointer, _ q: QuantizationVectors,
  columns: Int, signedOutput: Bool, output: UnsafeMutableRawPointer
) {
  let s16 = requantize16(acc0, acc1, multiplier: multiplier, q)
  let s8 = signedOutput ? _mm256_packs_epi16(s16, s16) : _mm256_packus_epi16(s16, s16)
  let bytes = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(s8, _mm256_setr_epi32(0, 1, 4, 5, 0, 1, 4, 5)))
  storeColumns(bytes, columns, output)
}

/// Two rows' `requantize16` results narrowed with one pack and one permute, then stored.
@inline(__always)
func requantizeStore16x2(
  _ row0: __m256i, _ row1: __m256i, columns: Int, signedOutput: Bool,
  output: UnsafeMutableRawPointer, _ output1: UnsafeMutableRawPointer
) {
  // Pack gives [row0 0…7, row1 0…7 | row0 8…15, row1 8…15]; the permute puts each row in a half.
  let s8 = signedOutput ? _mm256_packs_epi16(row0, row1) : _mm256_packus_epi16(row0, row1)
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
