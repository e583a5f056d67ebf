import QNNPACKAVX2
import QNNPACKKernels

/// `w - w_zp` as int16 of `[channels, reduction]` weights of either dtype.
struct CenteredWeights {
  let raw: UnsafePointer<UInt8>
  let type: DType
  let reduction: Int

  @inline(__always)
  func callAsFunction(_ row: Int, _ k: Int, zeroPoint: Int32) -> Int16 {
    let byte = raw[row * reduction + k]
    let value = type == .uint8 ? Int16(byte) : Int16(Int8(bitPattern: byte))
    return value - Int16(truncatingIfNeeded: zeroPoint)
  }
}

/// Validated weight qparams and the requantization multipliers
/// `f32(f32(input_scale) · f32(w_scale[c])) / f32(output_scale)` of API.md §3.
func requantizationMultipliers(
  channels: Int, weightType: DType, inputScale: Float, weightScales: UnsafePointer<Float>,
  weightZeroPoints: UnsafePointer<Int32>, outputScale: Float
) throws(Status) -> [Float] {
  try checkScale(inputScale)
  try checkScale(outputScale)
  var multipliers = [Float](repeating: 0, count: channels)
  for c in 0..<channels {
    try checkScale(weightScales[c])
    try weightType.checkZeroPoint(weightZeroPoints[c])
    multipliers[c] = try checkMultiplier((inputScale * weightScales[c]) / outputScale)
  }
  return multipliers
}

/// Exactness rule of every GEMM operator: `|acc| ≤ |bias| + 255·Σ|w − w_zp|` per output row;
/// where that can leave int32 the portable kernel (64-bit accumulators) runs.
func gemmKernelISA(rows: Int, reduction: Int, bias: (Int) -> Int32, weight: (Int, Int) -> Int16) -> ISA {
  guard currentISA >= .avx2 else { return .portable }
  for r in 0..<rows {
    var bound = Int64(bias(r)).magnitude
    for k in 0..<reduction { bound += 255 * UInt64(weight(r, k).magnitude) }
    if bound > UInt64(Int32.max) { return .portable }
  }
  return .avx2
}

/// `q8ToS16Rows` for either activation dtype.
func convertToS16Rows(
  _ type: DType, _ input: UnsafeRawPointer, pixels: Int, groups: Int, channels: Int,
  paddedChannels: Int, zeroPoint: Int32, output: UnsafeMutablePointer<Int16>
) {
  switch type {
  case .uint8:
    q8ToS16Rows(input.assumingMemoryBound(to: UInt8.self), pixels: pixels, groups: groups, channels: channels,
                paddedChannels: paddedChannels, zeroPoint: zeroPoint, output: output)
  case .int8:
    q8ToS16Rows(input.assumingMemoryBound(to: Int8.self), pixels: pixels, groups: groups, channels: channels,
                paddedChannels: paddedChannels, zeroPoint: zeroPoint, output: output)
  }
}

/// What a GEMM tile writes: requantized activations, or float32 `f32(acc) · f32(scale · m[c])`
/// (dynamic linear; `m` holds the weight scales then).
enum GEMMEpilogue {
  case quantized(DType, OutputQuantization)
  case dequantized(scale: Float)
}

/// One tile of up to 4 rows × 16 columns with the kernel of `isa`.
@inline(__always)
func gemmTile(
  _ isa: ISA, _ epilogue: GEMMEpilogue, rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int, block: UnsafeRawPointer,
  output: UnsafeMutableRawPointer, outputStride: Int
) {
  switch (isa, epilogue) {
  case (.portable, .quantized(.uint8, let q)):
    qs16IGEMM4x16Portable(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a, aOffset: aOffset,
                          block: block, output: output.assumingMemoryBound(to: UInt8.self),
                          outputStride: outputStride, quantization: q)
  case (.portable, .quantized(.int8, let q)):
    qs16IGEMM4x16Portable(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a, aOffset: aOffset,
                          block: block, output: output.assumingMemoryBound(to: Int8.self),
                          outputStride: outputStride, quantization: q)
  case (.portable, .dequantized(let scale)):
    qs16IGEMM4x16PortableDequantized(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a,
                                     aOffset: aOffset, block: block, scale: scale,
                                     output: output.assumingMemoryBound(to: Float.self), outputStride: outputStride)
  case (_, .quantized(let type, let q)):
    qs16IGEMM4x16AVX2(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a, aOffset: aOffset,
                      block: block, output: output, outputStride: outputStride, quantization: q,
                      signedOutput: type == .int8)
  case (_, .dequantized(let scale)):
    qs16IGEMM4x16AVX2Dequantized(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a,
                                 aOffset: aOffset, block: block, scale: scale,
                                 output: output.assumingMemoryBound(to: Float.self), outputStride: outputStride)
  }
}
