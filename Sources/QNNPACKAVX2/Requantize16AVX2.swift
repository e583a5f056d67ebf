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

/// Requantizes 16 channels held in lane order (`PackedWeights.laneChannel`) and stores the
/// first `columns` of them in channel order. Bit-exact with `OutputQuantization.quantize`:
/// `vcvtps2dq` rounds half to even under the default MXCSR, and clamping before rounding
/// is exact because the bounds are integers.
@inline(__always)
func requantizeStore16(
  _ acc0: __m256i, _ acc1: __m256i, multiplier: UnsafeRawPointer, _ q: QuantizationVectors,
  columns: Int, signedOutput: Bool, output: UnsafeMutableRawPointer
) {
  let f0 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc0), multiplier.loadUnaligned(as: __m256.self))
  let f1 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc1), (multiplier + 32).loadUnaligned(as: __m256.self))
  let i0 = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f0, q.lo), q.hi)), q.zeroPoint)
  let i1 = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f1, q.lo), q.hi)), q.zeroPoint)
  // Lane order makes this pack yield channels 0…15 in order (as int16, in range already).
  let s16 = _mm256_packs_epi32(i0, i1)
  let s8 = signedOutput ? _mm256_packs_epi16(s16, s16) : _mm256_packus_epi16(s16, s16)
  let bytes = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(s8, _mm256_setr_epi32(0, 1, 4, 5, 0, 1, 4, 5)))
  if columns == 16 {
    output.storeBytes(of: bytes, as: __m128i.self)
  } else {
    withUnsafeBytes(of: bytes) { output.copyMemory(from: $0.baseAddress!, byteCount: columns) }
  }
}
