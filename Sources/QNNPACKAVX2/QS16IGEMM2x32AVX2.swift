import _Builtin_intrinsics.intel
import QNNPACKKernels

/// One or two int16 rows (`rows`, one tap each: `a[r] + aOffset`) × two consecutive int8 blocks
/// (`packWeightBlock(narrow: true)`, the second `blockStride` bytes after the first), with AVX2
/// `vpmaddwd`: the fully connected layer of batch 1 or 2. There the `vpmovsxbw` widening of the
/// streamed weights, not the multiply-adds, bounds a one-block tile; two blocks per broadcast
/// keep twice the independent chains in flight. `columns` 17…32 with a full (16-lane) second
/// block. Same exactness contract and output as `qs16IGEMM4x16AVX2`.
public func qs16IGEMM2x32AVX2(
  rows: Int, columns: Int, pairs: Int, a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
  block: UnsafeRawPointer, blockStride: Int, output: UnsafeMutableRawPointer, outputStride: Int,
  quantization: OutputQuantization, signedOutput: Bool
) {
  if rows == 1 {
    twoBlockTile(1, columns, pairs, a, aOffset, block, blockStride, output, outputStride, quantization, signedOutput)
  } else {
    twoBlockTile(2, columns, pairs, a, aOffset, block, blockStride, output, outputStride, quantization, signedOutput)
  }
}

@inline(__always)
private func twoBlockTile(
  _ rows: Int, _ columns: Int, _ pairs: Int, _ a: UnsafePointer<UnsafePointer<Int16>>, _ aOffset: Int,
  _ block: UnsafeRawPointer, _ blockStride: Int, _ output: UnsafeMutableRawPointer, _ outputStride: Int,
  _ quantization: OutputQuantization, _ signedOutput: Bool
) {
  let next = block + blockStride
  // c<row><accumulator>: accumulators 0, 1 hold the first block's lanes, 2, 3 the second's.
  var c00 = block.loadUnaligned(as: __m256i.self), c01 = (block + 32).loadUnaligned(as: __m256i.self)
  var c02 = next.loadUnaligned(as: __m256i.self), c03 = (next + 32).loadUnaligned(as: __m256i.self)
  var c10 = c00, c11 = c01, c12 = c02, c13 = c03
  let a0 = a[0] + aOffset, a1 = rows > 1 ? a[1] + aOffset : a0
  var w0 = block + PackedWeights.headerBytes, w1 = next + PackedWeights.headerBytes
  for p in 0..<pairs {
    let b0 = _mm256_cvtepi8_epi16(w0.loadUnaligned(as: __m128i.self))
    let b1 = _mm256_cvtepi8_epi16((w0 + 16).loadUnaligned(as: __m128i.self))
    let b2 = _mm256_cvtepi8_epi16(w1.loadUnaligned(as: __m128i.self))
    let b3 = _mm256_cvtepi8_epi16((w1 + 16).loadUnaligned(as: __m128i.self))
    let v = broadcastPair(a0, p)
    c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(v, b0))
    c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(v, b1))
    c02 = _mm256_add_epi32(c02, _mm256_madd_epi16(v, b2))
    c03 = _mm256_add_epi32(c03, _mm256_madd_epi16(v, b3))
    if rows > 1 {
      let u = broadcastPair(a1, p)
      c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(u, b0))
      c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(u, b1))
      c12 = _mm256_add_epi32(c12, _mm256_madd_epi16(u, b2))
      c13 = _mm256_add_epi32(c13, _mm256_madd_epi16(u, b3))
    }
    w0 += PackedWeights.narrowPairBytes
    w1 += PackedWeights.narrowPairBytes
  }
  let q = QuantizationVectors(quantization)
  @inline(__always) func store(_ out: UnsafeMutableRawPointer, _ acc0: __m256i, _ acc1: __m256i, _ acc2: __m256i,
                               _ acc3: __m256i) {
    requantizeStore16(acc0, acc1, multiplier: block + 64, q, columns: 16, signedOutput: signedOutput, output: out)
    requantizeStore16(acc2, acc3, multiplier: next + 64, q, columns: columns &- 16, signedOutput: signedOutput,
                      output: out + 16)
  }
  store(output, c00, c01, c02, c03)
  if rows > 1 { store(output + outputStride, c10, c11, c12, c13) }
}
