import _Builtin_intrinsics.intel
import QNNPACKKernels

/// Depthwise 3×3, stride 1, of one output row of `pixels` pixels × `channels` (a multiple of
/// 16) from three input rows (`top`, `middle`, `bottom`, each `width` pixels, or nil where the
/// row is padding), `padLeft` columns of padding before the first input column. Columns
/// outside the rows (and padding rows) read `zero`, a row of the input zero point, which the
/// biases cancel as in `q8DWConvRowAVX2`.
///
/// The taps pair vertically: each input column widens once per block, as (top, middle)
/// int16 pairs and (bottom, bottom) pairs, and serves the three output pixels it is a tap of
/// (a new one, one in progress, one finished and stored), so widening and interleaving cost
/// 7 shuffles per 16 outputs where `q8DWConvRowAVX2`'s 9 tap rows cost 19; the multiplies
/// (12 instead of 10) run on the other pipes. Blocks: `packWeightBlock` over 12 reductions,
/// per kernel column kx the pairs (w[0][kx], w[1][kx]) and (w[2][kx], 0).
public func q8DWConv3x3S1RowAVX2(
  pixels: Int, channels: Int, width: Int, padLeft: Int,
  top: UnsafeRawPointer?, middle: UnsafeRawPointer?, bottom: UnsafeRawPointer?, zero: UnsafeRawPointer,
  blocks: UnsafeRawPointer, blockBytes: Int, output: UnsafeMutableRawPointer,
  quantization: OutputQuantization, signedIO: Bool
) {
  QuantizationVectors.specialized(quantization, signedOutput: signedIO) { q in
    if signedIO {
      dw3x3Row(true, pixels, channels, width, padLeft, top, middle, bottom, zero, blocks, blockBytes, output, q)
    } else {
      dw3x3Row(false, pixels, channels, width, padLeft, top, middle, bottom, zero, blocks, blockBytes, output, q)
    }
  }
}

@inline(__always)
private func dw3x3Row(
  _ signed: Bool, _ pixels: Int, _ channels: Int, _ width: Int, _ padLeft: Int,
  _ top: UnsafeRawPointer?, _ middle: UnsafeRawPointer?, _ bottom: UnsafeRawPointer?, _ zero: UnsafeRawPointer,
  _ blocks: UnsafeRawPointer, _ blockBytes: Int, _ output: UnsafeMutableRawPointer, _ q: QuantizationVectors
) {
  // A padding row reads the zero row at every column (stride 0).
  let rows = (top ?? zero, middle ?? zero, bottom ?? zero)
  let strides = (top == nil ? 0 : channels, middle == nil ? 0 : channels, bottom == nil ? 0 : channels)
  var block = blocks
  var base = 0
  while base < channels {
    let bias0 = block.loadUnaligned(as: __m256i.self), bias1 = (block + 32).loadUnaligned(as: __m256i.self)
    let w = block + PackedWeights.headerBytes
    // Output pixel c + padLeft − 2 + j collects its kx = 2 − j tap from column c.
    var done0 = bias0, done1 = bias1, mid0 = bias0, mid1 = bias1
    var c = -padLeft
    let end = pixels &- padLeft &+ 2
    while c < end {
      let inside = 0 <= c && c < width
      let p0 = inside ? rows.0 + c &* strides.0 : zero
      let p1 = inside ? rows.1 + c &* strides.1 : zero
      let p2 = inside ? rows.2 + c &* strides.2 : zero
      let x0 = widen16(p0 + base, signed: signed), x1 = widen16(p1 + base, signed: signed)
      let x2 = widen16(p2 + base, signed: signed)
      let pairLo = _mm256_unpacklo_epi16(x0, x1), pairHi = _mm256_unpackhi_epi16(x0, x1)
      let lastLo = _mm256_unpacklo_epi16(x2, x2), lastHi = _mm256_unpackhi_epi16(x2, x2)
      @inline(__always) func taps(_ kx: Int, _ acc0: __m256i, _ acc1: __m256i) -> (__m256i, __m256i) {
        let k = w + kx &* 2 &* PackedWeights.pairBytes
        let lo = _mm256_add_epi32(_mm256_madd_epi16(pairLo, k.loadUnaligned(as: __m256i.self)),
                                  _mm256_madd_epi16(lastLo, (k + 64).loadUnaligned(as: __m256i.self)))
        let hi = _mm256_add_epi32(_mm256_madd_epi16(pairHi, (k + 32).loadUnaligned(as: __m256i.self)),
                                  _mm256_madd_epi16(lastHi, (k + 96).loadUnaligned(as: __m256i.self)))
        return (_mm256_add_epi32(acc0, lo), _mm256_add_epi32(acc1, hi))
      }
      // Columns near the ends skip the pixels they would serve beyond the row (rows of 7–14
      // pixels would otherwise compute 2 in 9–16 of them for nothing).
      let x = c &+ padLeft
      if x >= 2 {
        let (last0, last1) = taps(2, done0, done1)
        requantizeStore16(last0, last1, multiplier: block + 64, q, columns: 16, signedOutput: signed,
                          output: output + ((x &- 2) &* channels &+ base))
      }
      if x >= 1 && x <= pixels {
        (done0, done1) = taps(1, mid0, mid1)
      }
      if x < pixels {
        (mid0, mid1) = taps(0, bias0, bias1)
      }
      c &+= 1
    }
    block += blockBytes
    base &+= 16
  }
}
