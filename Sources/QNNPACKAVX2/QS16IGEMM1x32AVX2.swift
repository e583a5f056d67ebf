import _Builtin_intrinsics.intel
import QNNPACKKernels

/// One int16 row × two consecutive int8 blocks (`packWeightBlock(narrow: true)`, the second
/// `blockStride` bytes after the first), with AVX2 `vpmaddwd`: the one-row fully connected
/// case. There the `vpmovsxbw` widening of the streamed weights, not the multiply-adds, bounds
/// a one-block tile; two blocks per broadcast keep twice the independent chains in flight.
/// `columns` 17…32 with a full (16-lane) second block; `pairs` pairs from `a`. Same exactness
/// contract and output as `qs16IGEMM4x16AVX2`.
public func qs16IGEMM1x32AVX2(
  columns: Int, pairs: Int, a: UnsafePointer<Int16>, block: UnsafeRawPointer, blockStride: Int,
  output: UnsafeMutableRawPointer, quantization: OutputQuantization, signedOutput: Bool
) {
  let next = block + blockStride
  var c00 = block.loadUnaligned(as: __m256i.self), c01 = (block + 32).loadUnaligned(as: __m256i.self)
  var c10 = next.loadUnaligned(as: __m256i.self), c11 = (next + 32).loadUnaligned(as: __m256i.self)
  var w0 = block + PackedWeights.headerBytes, w1 = next + PackedWeights.headerBytes
  for p in 0..<pairs {
    let v = broadcastPair(a, p)
    c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(v, _mm256_cvtepi8_epi16(w0.loadUnaligned(as: __m128i.self))))
    c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(v, _mm256_cvtepi8_epi16((w0 + 16).loadUnaligned(as: __m128i.self))))
    c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(v, _mm256_cvtepi8_epi16(w1.loadUnaligned(as: __m128i.self))))
    c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(v, _mm256_cvtepi8_epi16((w1 + 16).loadUnaligned(as: __m128i.self))))
    w0 += PackedWeights.narrowPairBytes
    w1 += PackedWeights.narrowPairBytes
  }
  let q = QuantizationVectors(quantization)
  requantizeStore16(c00, c01, multiplier: block + 64, q, columns: 16, signedOutput: signedOutput, output: output)
  requantizeStore16(c10, c11, multiplier: next + 64, q, columns: columns &- 16, signedOutput: signedOutput,
                    output: output + 16)
}
