import QNNPACKAVX2
import QNNPACKKernels

/// Global average pooling `[batch, pixels, channels] → [batch, channels]`: average pooling
/// with the whole image as the window.
@_cdecl("qnnps_global_avg_pool_nwc")
public func qnnps_global_avg_pool_nwc(
  _ dtype: Int32, _ batch: Int, _ pixels: Int, _ channels: Int,
  _ inputScale: Float, _ inputZeroPoint: Int32, _ outputScale: Float, _ outputZeroPoint: Int32,
  _ outputMin: Int32, _ outputMax: Int32, _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let type = try DType(code: dtype)
    try require(batch >= 0 && pixels >= 1 && channels >= 1)
    let average = try Averaging(type: type, inputScale: inputScale, inputZeroPoint: inputZeroPoint,
                                outputScale: outputScale, outputZeroPoint: outputZeroPoint,
                                outputMin: outputMin, outputMax: outputMax, maxCount: pixels)
    if batch == 0 { return }
    _ = try checkedProduct(batch, pixels, channels)
    let input = try nonNull(input), output = try nonNull(output)
    if currentISA >= .avx2 && !average.needsInt64 {
      return globalAvgPoolAVX2(batch, pixels, channels, average, input, output, signed: type == .int8)
    }
    switch (type, average.needsInt64) {
    case (.uint8, false): globalAvgPool(batch, pixels, channels, average, input, output, UInt8.self, Int32.self)
    case (.uint8, true): globalAvgPool(batch, pixels, channels, average, input, output, UInt8.self, Int64.self)
    case (.int8, false): globalAvgPool(batch, pixels, channels, average, input, output, Int8.self, Int32.self)
    case (.int8, true): globalAvgPool(batch, pixels, channels, average, input, output, Int8.self, Int64.self)
    }
  }
}

private func globalAvgPool<T: QuantizedElement, Acc: FixedWidthInteger>(
  _ batch: Int, _ pixels: Int, _ channels: Int, _ average: Averaging,
  _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _: T.Type, _: Acc.Type
) {
  let x = input.assumingMemoryBound(to: T.self)
  let y = output.assumingMemoryBound(to: T.self)
  parallelFor(batch, work: batch * pixels * channels) { n in
    withUnsafeTemporaryAllocation(of: Acc.self, capacity: channels) { acc in
      acc.initialize(repeating: 0)
      q8SumConsecutiveRows(channels: channels, count: pixels, input: x + n * pixels * channels,
                           acc: acc.baseAddress!)
      average.store(acc.baseAddress!, channels: channels, count: pixels, divisor: pixels,
                    output: y + n * channels)
    }
  }
}

private func globalAvgPoolAVX2(
  _ batch: Int, _ pixels: Int, _ channels: Int, _ average: Averaging,
  _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, signed: Bool
) {
  let offset = Int32(-pixels) * average.inputZeroPoint, multiplier = average.multiplier(divisor: pixels)
  parallelFor(batch, work: batch * pixels * channels) { n in
    // The pixels as the columns of one row: the kernel's inner (unrolled) loop runs over them.
    q8AveragePixelAVX2(signed: signed, channels: channels, first: input + n * pixels * channels, windowRows: 1,
                       rowStep: 0, windowColumns: pixels, columnStep: channels, offset: offset, multiplier: multiplier,
                       quantization: average.quantization, output: output + n * channels)
  }
}
