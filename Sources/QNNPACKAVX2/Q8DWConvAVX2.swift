import _Builtin_intrinsics.intel
import QNNPACKKernels

/// Depthwise convolution of one output pixel over all its output channels, 16 at a time:
/// two taps' inputs are interleaved as int16 pairs so one `vpmaddwd` applies two taps.
/// `input[t]` points at the pixel (channel 0) feeding tap `t`, or at a row of zero points
/// (at least channels + 16 long); output channel `c` reads input channel `c / multiplier`.
/// `blocks` holds one packed block per 16 output channels, `blockBytes` apart.
public func q8DWConvPixelAVX2(
  outputChannels: Int, inputChannels: Int, multiplier: Int, taps: Int,
  input: UnsafePointer<UnsafeRawPointer>, zeroPoint: Int32,
  blocks: UnsafeRawPointer, blockBytes: Int, output: UnsafeMutableRawPointer,
  quantization: OutputQuantization, signedIO: Bool
) {
  // Constant tap counts of the common 3×3 and 5×5 windows unroll the tap loop completely.
  switch (signedIO, taps) {
  case (false, 9): dwPixel(false, outputChannels, inputChannels, multiplier, 9, input, zeroPoint, blocks, blockBytes, output, quantization)
  case (true, 9): dwPixel(true, outputChannels, inputChannels, multiplier, 9, input, zeroPoint, blocks, blockBytes, output, quantization)
  case (false, 25): dwPixel(false, outputChannels, inputChannels, multiplier, 25, input, zeroPoint, blocks, blockBytes, output, quantization)
  case (true, 25): dwPixel(true, outputChannels, inputChannels, multiplier, 25, input, zeroPoint, blocks, blockBytes, output, quantization)
  case (false, _): dwPixel(false, outputChannels, inputChannels, multiplier, taps, input, zeroPoint, blocks, blockBytes, output, quantization)
  case (true, _): dwPixel(true, outputChannels, inputChannels, multiplier, taps, input, zeroPoint, blocks, blockBytes, output, quantization)
  }
}

/// 16 input values as int16 minus the zero point. Whole blocks of a multiplier-1 convolution
/// load directly; the rest gathers into a local so no load crosses the end of a row.
@inline(__always)
private func loadChannels(
  _ signed: Bool, _ row: UnsafeRawPointer, _ base: Int, _ columns: Int, _ multiplier: Int,
  _ inputChannels: Int, _ zeroPoint: __m256i
) -> __m256i {
  var bytes: __m128i
  if multiplier == 1 && base &+ 16 <= inputChannels {
    bytes = (row + base).loadUnaligned(as: __m128i.self)
  } else {
    bytes = _mm_setzero_si128()
    withUnsafeMutableBytes(of: &bytes) { buffer in
      for i in 0..<columns { buffer[i] = row.load(fromByteOffset: (base &+ i) / multiplier, as: UInt8.self) }
    }
  }
  let wide = signed ? _mm256_cvtepi8_epi16(bytes) : _mm256_cvtepu8_epi16(bytes)
  return _mm256_sub_epi16(wide, zeroPoint)
}

@inline(__always)
private func dwPixel(
  _ signed: Bool, _ outputChannels: Int, _ inputChannels: Int, _ multiplier: Int, _ taps: Int,
  _ input: UnsafePointer<UnsafeRawPointer>, _ zeroPoint: Int32,
  _ blocks: UnsafeRawPointer, _ blockBytes: Int, _ output: UnsafeMutableRawPointer,
  _ quantization: OutputQuantization
) {
  let zp = _mm256_set1_epi16(Int16(truncatingIfNeeded: zeroPoint))
  let q = QuantizationVectors(quantization)
  var block = blocks
  var base = 0
  while base < outputChannels {
    let columns = min(16, outputChannels &- base)
    var acc0 = block.loadUnaligned(as: __m256i.self)
    var acc1 = (block + 32).loadUnaligned(as: __m256i.self)
    var w = block + PackedWeights.headerBytes
    var t = 0
    while t < taps {
      let x0 = loadChannels(signed, input[t], base, columns, multiplier, inputChannels, zp)
      let x1 = t &+ 1 < taps
        ? loadChannels(signed, input[t &+ 1], base, columns, multiplier, inputChannels, zp)
        : _mm256_setzero_si256()
      acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), w.loadUnaligned(as: __m256i.self)))
      acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), (w + 32).loadUnaligned(as: __m256i.self)))
      w += PackedWeights.pairBytes
      t &+= 2
    }
    requantizeStore16(acc0, acc1, multiplier: block + 64, q, columns: columns, signedOutput: signed,
                      output: output + base)
    block += blockBytes
    base &+= 16
  }
}
