import _Builtin_intrinsics.intel
import QNNPACKKernels

/// Depthwise convolution (one weight per channel and tap) of `pixels` output pixels of one row,
/// all `channels` of each, 16 per packed block. Pixel `p` reads tap `t` at byte offset
/// `offsets[p·step + t]` from `input`, or from `zero` (a row of the input zero point) where
/// that offset is negative. The blocks' biases have the input zero point folded in
/// (`bias − x_zp·Σ_t w'_t`), so inputs widen to int16 as they are and padding taps cancel:
/// two taps interleaved as int16 pairs meet their packed weight pair in one `vpmaddwd`.
public func q8DWConvRowAVX2(
  pixels: Int, channels: Int, taps: Int, offsets: UnsafePointer<Int>, step: Int,
  input: UnsafeRawPointer, zero: UnsafeRawPointer, blocks: UnsafeRawPointer, blockBytes: Int,
  output: UnsafeMutableRawPointer, quantization: OutputQuantization, signedIO: Bool
) {
  // Constant tap counts of the common 3×3 and 5×5 windows unroll the tap loop completely; 3×3
  // also has a copy without clamps (`lean`). More copies, or a closure around them
  // (`QuantizationVectors.specialized`), made the inliner give up on the row loop (40 % slower).
  let lean = QuantizationVectors.allowsLean(quantization, signedOutput: signedIO)
  let q = QuantizationVectors(quantization)
  switch (signedIO, taps, lean) {
  case (false, 9, true):
    dwRow(false, pixels, channels, 9, offsets, step, input, zero, blocks, blockBytes, output, .lean(quantization))
  case (true, 9, true):
    dwRow(true, pixels, channels, 9, offsets, step, input, zero, blocks, blockBytes, output, .lean(quantization))
  case (false, 9, false): dwRow(false, pixels, channels, 9, offsets, step, input, zero, blocks, blockBytes, output, q)
  case (true, 9, false): dwRow(true, pixels, channels, 9, offsets, step, input, zero, blocks, blockBytes, output, q)
  case (false, 25, _): dwRow(false, pixels, channels, 25, offsets, step, input, zero, blocks, blockBytes, output, q)
  case (true, 25, _): dwRow(true, pixels, channels, 25, offsets, step, input, zero, blocks, blockBytes, output, q)
  case (false, _, _): dwRow(false, pixels, channels, taps, offsets, step, input, zero, blocks, blockBytes, output, q)
  case (true, _, _): dwRow(true, pixels, channels, taps, offsets, step, input, zero, blocks, blockBytes, output, q)
  }
}

/// The accumulators (lane order) of 16 channels starting `base` bytes into every tap's row.
@inline(__always)
private func dwBlock(
  _ signed: Bool, _ taps: Int, _ rows: UnsafePointer<UnsafeRawPointer>, _ base: Int, _ block: UnsafeRawPointer
) -> (__m256i, __m256i) {
  var acc0 = block.loadUnaligned(as: __m256i.self)
  var acc1 = (block + 32).loadUnaligned(as: __m256i.self)
  var w = block + PackedWeights.headerBytes
  var t = 0
  while t &+ 1 < taps {
    let x0 = widen16(rows[t] + base, signed: signed), x1 = widen16(rows[t &+ 1] + base, signed: signed)
    acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), w.loadUnaligned(as: __m256i.self)))
    acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), (w + 32).loadUnaligned(as: __m256i.self)))
    w += PackedWeights.pairBytes
    t &+= 2
  }
  if t < taps {
    // The last pair's second weight is 0, whatever the second value.
    let x0 = widen16(rows[t] + base, signed: signed)
    acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x0), w.loadUnaligned(as: __m256i.self)))
    acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x0), (w + 32).loadUnaligned(as: __m256i.self)))
  }
  return (acc0, acc1)
}

@inline(__always)
private func dwRow(
  _ signed: Bool, _ pixels: Int, _ channels: Int, _ taps: Int, _ offsets: UnsafePointer<Int>, _ step: Int,
  _ input: UnsafeRawPointer, _ zero: UnsafeRawPointer, _ blocks: UnsafeRawPointer, _ blockBytes: Int,
  _ output: UnsafeMutableRawPointer, _ q: QuantizationVectors
) {
  let fullBlocks = channels / 16, tail = channels % 16
  // rows[0..<taps]: this pixel's tap rows; rows[taps...]: the tail channels copied to 16-byte
  // rows, so no load crosses the end of the input.
  withUnsafeTemporaryAllocation(of: UnsafeRawPointer.self, capacity: 2 * taps) { rowBuffer in
    withUnsafeTemporaryAllocation(of: __m128i.self, capacity: tail > 0 ? taps : 0) { tailBuffer in
      let rows = rowBuffer.baseAddress!
      let tailRows = rows + taps
      if tail > 0 {
        tailBuffer.initialize(repeating: _mm_setzero_si128())
        for t in 0..<taps { tailRows[t] = UnsafeRawPointer(tailBuffer.baseAddress! + t) }
      }
      var entry = offsets
      var out = output
      for _ in 0..<pixels {
        for t in 0..<taps {
          let offset = entry[t]
          rows[t] = offset < 0 ? zero : input + offset
        }
        var block = blocks
        var base = 0
        if fullBlocks > 0 {
          // Each block's sums come before the previous block's requantization, whose long
          // dependency chain would otherwise fill the scheduler and stall the next loads.
          var (acc0, acc1) = dwBlock(signed, taps, rows, 0, block)
          for _ in 1..<fullBlocks {
            let next = dwBlock(signed, taps, rows, base &+ 16, block + blockBytes)
            requantizeStore16(acc0, acc1, multiplier: block + 64, q, columns: 16, signedOutput: signed,
                              output: out + base)
            (acc0, acc1) = next
            block += blockBytes
            base &+= 16
          }
          requantizeStore16(acc0, acc1, multiplier: block + 64, q, columns: 16, signedOutput: signed,
                            output: out + base)
          block += blockBytes
          base &+= 16
        }
        if tail > 0 {
          for t in 0..<taps {
            UnsafeMutableRawPointer(mutating: tailRows[t]).copyMemory(from: rows[t] + base, byteCount: tail)
          }
          let (acc0, acc1) = dwBlock(signed, taps, tailRows, 0, block)
          requantizeStore16(acc0, acc1, multiplier: block + 64, q, columns: tail, signedOutput: signed,
                            output: out + base)
        }
        entry += step
        out += channels
      }
    }
  }
}
