import QNNPACKAVX2
import QNNPACKKernels

/// Max pooling over NHWC; padding never wins (PyTorch pads with −∞). Keeps the qparams.
@_cdecl("qnnps_max_pool2d_nhwc")
public func qnnps_max_pool2d_nhwc(
  _ dtype: Int32, _ batch: Int, _ inputHeight: Int, _ inputWidth: Int, _ channels: Int,
  _ kernelHeight: Int, _ kernelWidth: Int, _ strideHeight: Int, _ strideWidth: Int,
  _ dilationHeight: Int, _ dilationWidth: Int,
  _ padTop: Int, _ padLeft: Int, _ padBottom: Int, _ padRight: Int,
  _ outputMin: Int32, _ outputMax: Int32, _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let type = try DType(code: dtype)
    let window = try Window2D(kernel: (kernelHeight, kernelWidth), stride: (strideHeight, strideWidth),
                              dilation: (dilationHeight, dilationWidth),
                              padding: (padTop, padLeft, padBottom, padRight))
    try window.checkPoolingPadding()
    try require(batch >= 0 && channels >= 1)
    _ = try type.output(zeroPoint: type.qmin, min: outputMin, max: outputMax)
    let size = try window.outputSize(height: inputHeight, width: inputWidth)
    if batch == 0 { return }
    let geometry = try PoolGeometry(window: window, batch: batch, height: inputHeight, width: inputWidth,
                                    channels: channels, outputSize: size)
    if currentISA >= .avx2 {
      return maxPoolAVX2(geometry, try nonNull(input), try nonNull(output), outputMin, outputMax, signed: type == .int8)
    }
    switch type {
    case .uint8: maxPool(geometry, try nonNull(input), try nonNull(output), UInt8(outputMin), UInt8(outputMax))
    case .int8: maxPool(geometry, try nonNull(input), try nonNull(output), Int8(outputMin), Int8(outputMax))
    }
  }
}

private func maxPool<T: QuantizedElement>(
  _ g: PoolGeometry, _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ lo: T, _ hi: T
) {
  let out = output.assumingMemoryBound(to: T.self)
  g.forEachOutputPixel(input.assumingMemoryBound(to: T.self)) { pixel, rows, count in
    if count == 0 {
      (out + pixel * g.channels).initialize(repeating: lo, count: g.channels)
    } else {
      q8MaxPixel(channels: g.channels, taps: count, input: rows, lo: lo, hi: hi, output: out + pixel * g.channels)
    }
  }
}

private func maxPoolAVX2(
  _ g: PoolGeometry, _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ lo: Int32, _ hi: Int32,
  signed: Bool
) {
  let (rowStep, columnStep) = g.tapSteps
  let w = g.window
  if w.dilationWidth == 1 {
    let (oh, ow) = g.outputSize
    parallelFor(g.batch * oh, work: 8 * g.batch * oh * ow * g.channels * w.taps) { task in
      let (n, oy) = task.quotientAndRemainder(dividingBy: oh)
      let (ky, rows) = g.validRows(oy)
      let iy = oy * w.strideHeight - w.padTop + ky * w.dilationHeight
      q8MaxPoolRowAVX2(signed: signed, channels: g.channels, outputWidth: ow,
                       rowInput: rows == 0 ? input : input + (n * g.height + iy) * g.width * g.channels,
                       windowRows: rows, rowStep: rowStep, inputWidth: g.width, kernelWidth: w.kernelWidth,
                       strideWidth: w.strideWidth, padLeft: w.padLeft, lo: lo, hi: hi,
                       output: output + task * ow * g.channels)
    }
    return
  }
  g.forEachOutputWindow(input) { pixel, first, rows, columns in
    q8MaxPixelAVX2(signed: signed, channels: g.channels, first: first, windowRows: rows, rowStep: rowStep,
                   windowColumns: columns, columnStep: columnStep, lo: lo, hi: hi,
                   output: output + pixel * g.channels)
  }
}

/// A pooling window applied to a validated NHWC input. Its passes weigh each tap of each
/// output element as 8 multiply-accumulates in the thread split, like `parallelRows`.
struct PoolGeometry {
  let window: Window2D
  let batch, height, width, channels: Int
  let outputSize: (height: Int, width: Int)

  /// Fails where the input or the output has more elements than memory can hold.
  init(window: Window2D, batch: Int, height: Int, width: Int, channels: Int,
       outputSize: (height: Int, width: Int)) throws(Status) {
    _ = try checkedProduct(batch, height, width, channels)
    _ = try checkedProduct(batch, outputSize.height, outputSize.width, channels)
    self.window = window
    (self.batch, self.height, self.width, self.channels) = (batch, height, width, channels)
    self.outputSize = outputSize
  }

  /// Calls `body(outputPixel, rows, count)` with the input rows inside the window, threads
  /// splitting the output rows.
  func forEachOutputPixel<T>(
    _ input: UnsafePointer<T>, _ body: (Int, UnsafePointer<UnsafePointer<T>>, Int) -> Void
  ) {
    let (oh, ow) = outputSize
    parallelFor(batch * oh, work: 8 * batch * oh * ow * channels * window.taps) { task in
      let (n, oy) = task.quotientAndRemainder(dividingBy: oh)
      withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: window.taps) { rows in
        for ox in 0..<ow {
          var count = 0
          window.forEachValidTap(oy: oy, ox: ox, height: height, width: width) { _, iy, ix in
            rows[count] = input + ((n * height + iy) * width + ix) * channels
            count += 1
          }
          body(task * ow + ox, UnsafePointer(rows.baseAddress!), count)
        }
      }
    }
  }
}

extension PoolGeometry {
  /// Byte steps between a window's tap rows and tap columns (8-bit NHWC data).
  var tapSteps: (row: Int, column: Int) { (window.dilationHeight * width * channels, window.dilationWidth * channels) }

  /// Calls `body(outputPixel, first, rows, columns)` where the window's taps inside the input
  /// are `rows × columns` pixels from `first` (steps `tapSteps`), threads splitting the output
  /// rows. Validity is separable, so the taps inside form that rectangle.
  /// The first window row `ky` inside the input for output row `oy`, and how many there are.
  func validRows(_ oy: Int) -> (first: Int, count: Int) {
    validTaps(start: oy * window.strideHeight - window.padTop, kernel: window.kernelHeight,
              dilation: window.dilationHeight, size: height)
  }

  func forEachOutputWindow(_ input: UnsafeRawPointer, _ body: (Int, UnsafeRawPointer, Int, Int) -> Void) {
    let (oh, ow) = outputSize
    let w = window
    parallelFor(batch * oh, work: 8 * batch * oh * ow * channels * w.taps) { task in
      let (n, oy) = task.quotientAndRemainder(dividingBy: oh)
      let iy = oy * w.strideHeight - w.padTop
      let (ky, rows) = validRows(oy)
      for ox in 0..<ow {
        let ix = ox * w.strideWidth - w.padLeft
        let (kx, columns) = validTaps(start: ix, kernel: w.kernelWidth, dilation: w.dilationWidth, size: width)
        let first = rows * columns == 0 ? input
          : input + ((n * height + iy + ky * w.dilationHeight) * width + ix + kx * w.dilationWidth) * channels
        body(task * ow + ox, first, rows, columns)
      }
    }
  }
}

/// The first tap `k` of `0..<kernel` with `0 ≤ start + k·dilation < size`, and how many there are.
@inline(__always)
private func validTaps(start: Int, kernel: Int, dilation: Int, size: Int) -> (first: Int, count: Int) {
  if start >= size { return (0, 0) }
  if dilation == 1 {  // no divisions per output pixel in the common case
    let first = max(0, -start)
    return (first, max(0, min(kernel, size - start) - first))
  }
  let first = start >= 0 ? 0 : (dilation - 1 - start) / dilation
  let last = min(kernel - 1, (size - 1 - start) / dilation)
  return (first, max(0, last - first + 1))
}
