import QNNPACKAVX2
import QNNPACKKernels

/// Average pooling over NHWC (API.md §3): `acc = Σ (x − x_zp)` over the window (padding holds
/// the zero point, so it adds nothing), `m = s_in / (s_out · divisor)`.
@_cdecl("qnnps_avg_pool2d_nhwc")
public func qnnps_avg_pool2d_nhwc(
  _ dtype: Int32, _ batch: Int, _ inputHeight: Int, _ inputWidth: Int, _ channels: Int,
  _ kernelHeight: Int, _ kernelWidth: Int, _ strideHeight: Int, _ strideWidth: Int,
  _ padTop: Int, _ padLeft: Int, _ padBottom: Int, _ padRight: Int, _ countIncludePad: Int32,
  _ inputScale: Float, _ inputZeroPoint: Int32, _ outputScale: Float, _ outputZeroPoint: Int32,
  _ outputMin: Int32, _ outputMax: Int32, _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let type = try DType(code: dtype)
    let window = try Window2D(kernel: (kernelHeight, kernelWidth), stride: (strideHeight, strideWidth),
                              dilation: (1, 1), padding: (padTop, padLeft, padBottom, padRight))
    try window.checkPoolingPadding()
    try require(batch >= 0 && channels >= 1)
    let average = try Averaging(type: type, inputScale: inputScale, inputZeroPoint: inputZeroPoint,
                                outputScale: outputScale, outputZeroPoint: outputZeroPoint,
                                outputMin: outputMin, outputMax: outputMax, maxCount: window.taps)
    let size = try window.outputSize(height: inputHeight, width: inputWidth)
    if batch == 0 { return }
    let geometry = try PoolGeometry(window: window, batch: batch, height: inputHeight, width: inputWidth,
                                    channels: channels, outputSize: size)
    let fixedDivisor = countIncludePad != 0 ? window.taps : nil
    let input = try nonNull(input), output = try nonNull(output)
    // Int32 sums only: windows too large for them keep the portable int64 kernel.
    if currentISA >= .avx2 && !average.needsInt64 {
      return avgPoolAVX2(geometry, average, fixedDivisor, input, output, signed: type == .int8)
    }
    switch (type, average.needsInt64) {
    case (.uint8, false): avgPool(geometry, average, fixedDivisor, input, output, UInt8.self, Int32.self)
    case (.uint8, true): avgPool(geometry, average, fixedDivisor, input, output, UInt8.self, Int64.self)
    case (.int8, false): avgPool(geometry, average, fixedDivisor, input, output, Int8.self, Int32.self)
    case (.int8, true): avgPool(geometry, average, fixedDivisor, input, output, Int8.self, Int64.self)
    }
  }
}

private func avgPool<T: QuantizedElement, Acc: FixedWidthInteger>(
  _ g: PoolGeometry, _ average: Averaging, _ fixedDivisor: Int?,
  _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _: T.Type, _: Acc.Type
) {
  let out = output.assumingMemoryBound(to: T.self)
  let c = g.channels
  g.forEachOutputPixel(input.assumingMemoryBound(to: T.self)) { pixel, rows, count in
    withUnsafeTemporaryAllocation(of: Acc.self, capacity: c) { acc in
      acc.initialize(repeating: 0)
      q8SumRows(channels: c, count: count, input: rows, acc: acc.baseAddress!)
      average.store(acc.baseAddress!, channels: c, count: count, divisor: fixedDivisor ?? count,
                    output: out + pixel * c)
    }
  }
}

private func avgPoolAVX2(
  _ g: PoolGeometry, _ average: Averaging, _ fixedDivisor: Int?,
  _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, signed: Bool
) {
  let (rowStep, columnStep) = g.tapSteps
  g.forEachOutputWindow(input) { pixel, first, rows, columns in
    let count = rows * columns
    q8AveragePixelAVX2(signed: signed, channels: g.channels, first: first, windowRows: rows, rowStep: rowStep,
                       windowColumns: columns, columnStep: columnStep, offset: Int32(-count) * average.inputZeroPoint,
                       multiplier: average.multiplier(divisor: fixedDivisor ?? count),
                       quantization: average.quantization, output: output + pixel * g.channels)
  }
}

/// The requantization of a window sum, shared by average and global average pooling.
struct Averaging {
  let inputScale, outputScale: Float
  let inputZeroPoint: Int32
  let quantization: OutputQuantization
  /// Whether `maxCount · 255` can leave int32.
  let needsInt64: Bool

  init(type: DType, inputScale: Float, inputZeroPoint: Int32, outputScale: Float, outputZeroPoint: Int32,
       outputMin: Int32, outputMax: Int32, maxCount: Int) throws(Status) {
    try checkScale(inputScale)
    try checkScale(outputScale)
    try type.checkZeroPoint(inputZeroPoint)
    quantization = try type.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax)
    _ = try checkMultiplier(inputScale / outputScale)  // the largest multiplier (divisor 1)
    self.inputScale = inputScale
    self.outputScale = outputScale
    self.inputZeroPoint = inputZeroPoint
    needsInt64 = maxCount > Int(Int32.max) / 255
  }

  func store<T: QuantizedElement, Acc: FixedWidthInteger>(
    _ acc: UnsafePointer<Acc>, channels: Int, count: Int, divisor: Int, output: UnsafeMutablePointer<T>
  ) {
    q8StoreAverage(channels: channels, acc: acc, offset: Acc(-count) * Acc(inputZeroPoint),
                   multiplier: multiplier(divisor: divisor), quantization: quantization, output: output)
  }

  /// `f32(s_in) / (f32(s_out) · f32(divisor))`; 0 when no position is valid (possible only
  /// with windows entirely in padding).
  func multiplier(divisor: Int) -> Float {
    divisor == 0 ? 0 : inputScale / (outputScale * Float(divisor))
  }
}
