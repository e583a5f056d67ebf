import _Builtin_intrinsics.intel
import QNNPACKKernels

/// The Winograd F(2×2, 3×3) output transform of one tile and 16 channels, requantized:
/// `Y' = Aᵀ M A` (`Aᵀ = [[1,1,1,0],[0,1,-1,-1]]`) over the 16 int32 planes `M[xi]` (lane order,
/// `accumulators + xi · planeStride`, from `qs16IGEMM4x16AVX2Accumulators` over weights
/// transformed with `2G`), so `Y'` is 4× the convolution's sum. The int32 arithmetic wraps,
/// which is harmless: everything is linear modulo 2³², and the operator has checked that 4×
/// every sum, and every sum plus its bias, fits in int32. `Y' >> 2` is then the exact sum.
/// `header` is a packed block's header (biases, multipliers, lane order); the first `columns`
/// channels of the `rows` × `cols` (1 or 2 each) valid pixels are stored, `rowStride` and
/// `pixelStride` bytes apart. Same requantization as `qs16IGEMM4x16AVX2`.
public func q8Winograd2x2OutputAVX2(
  accumulators: UnsafePointer<Int32>, planeStride: Int, header: UnsafeRawPointer,
  quantization: OutputQuantization, signedOutput: Bool, columns: Int,
  output: UnsafeMutableRawPointer, rowStride: Int, pixelStride: Int, rows: Int, cols: Int
) {
  let q = QuantizationVectors(quantization)
  let m = header + 64
  let (y00a, y01a, y10a, y11a) = transform(accumulators, planeStride, header, 0)
  let (y00b, y01b, y10b, y11b) = transform(accumulators, planeStride, header, 8)
  if rows == 1 && cols == 1 {
    requantizeStore16(y00a, y00b, multiplier: m, q, columns: columns, signedOutput: signedOutput, output: output)
    return
  }
  let y00 = requantize16(y00a, y00b, multiplier: m, q)
  let y10 = requantize16(y10a, y10b, multiplier: m, q)
  if cols == 2 {
    let y01 = requantize16(y01a, y01b, multiplier: m, q)
    requantizeStore16x2(y00, y01, q, columns: columns, signedOutput: signedOutput, output: output,
                        output + pixelStride)
    if rows == 2 {
      let y11 = requantize16(y11a, y11b, multiplier: m, q)
      requantizeStore16x2(y10, y11, q, columns: columns, signedOutput: signedOutput, output: output + rowStride,
                          output + rowStride + pixelStride)
    }
  } else {
    requantizeStore16x2(y00, y10, q, columns: columns, signedOutput: signedOutput, output: output,
                        output + rowStride)
  }
}

/// Eight lanes from `lane` on: the four sums `Y' >> 2` plus the bias.
@inline(__always)
private func transform(
  _ accumulators: UnsafePointer<Int32>, _ planeStride: Int, _ header: UnsafeRawPointer, _ lane: Int
) -> (__m256i, __m256i, __m256i, __m256i) {
  @inline(__always) func m(_ i: Int, _ j: Int) -> __m256i {
    UnsafeRawPointer(accumulators + ((4 &* i &+ j) &* planeStride &+ lane)).loadUnaligned(as: __m256i.self)
  }
  @inline(__always) func add(_ a: __m256i, _ b: __m256i) -> __m256i { _mm256_add_epi32(a, b) }
  @inline(__always) func sub(_ a: __m256i, _ b: __m256i) -> __m256i { _mm256_sub_epi32(a, b) }
  // Rows of M A: (m0 + m1 + m2, m1 − m2 − m3).
  @inline(__always) func left(_ i: Int) -> __m256i { add(add(m(i, 0), m(i, 1)), m(i, 2)) }
  @inline(__always) func right(_ i: Int) -> __m256i { sub(sub(m(i, 1), m(i, 2)), m(i, 3)) }
  let l0 = left(0), l1 = left(1), l2 = left(2), l3 = left(3)
  let r0 = right(0), r1 = right(1), r2 = right(2), r3 = right(3)
  let bias = (header + 4 &* lane).loadUnaligned(as: __m256i.self)
  @inline(__always) func finish(_ y: __m256i) -> __m256i { add(_mm256_srai_epi32(y, 2), bias) }
  return (finish(add(add(l0, l1), l2)), finish(add(add(r0, r1), r2)),
          finish(sub(sub(l1, l2), l3)), finish(sub(sub(r1, r2), r3)))
}
