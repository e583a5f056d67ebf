import QNNPACKKernels

/// The window of a transposed convolution (PyTorch's ConvTranspose2d): output pixel `oy`
/// receives input row `iy` through tap `ky` when `oy = iy·stride − pad_top + ky·dilation`.
/// Seen from the output, tap `ky` reads `iy = (oy + pad_top − ky·dilation) / stride` when that
/// division is exact and in range, so the indirect GEMM of `Convolution2D` runs it unchanged:
/// taps without an input point at the zero row (QNNPACK's deconvolution).
struct TransposedWindow2D: TapGeometry {
  let window: Window2D
  let outputPaddingHeight, outputPaddingWidth: Int

  init(window: Window2D, outputPadding: (Int, Int)) throws(Status) {
    // PyTorch's rule: output padding must be smaller than the stride or the dilation.
    try require(outputPadding.0 >= 0 && outputPadding.1 >= 0)
    try require(outputPadding.0 < max(window.strideHeight, window.dilationHeight))
    try require(outputPadding.1 < max(window.strideWidth, window.dilationWidth))
    self.window = window
    (outputPaddingHeight, outputPaddingWidth) = outputPadding
  }

  var taps: Int { window.taps }

  /// `(H − 1)·stride − pad_top − pad_bottom + dilation·(KH − 1) + output_padding + 1`, ≥ 1.
  func outputSize(height: Int, width: Int) throws(Status) -> (height: Int, width: Int) {
    try require(height >= 1 && width >= 1)
    let h = try extent(height, window.strideHeight, window.effectiveHeight, outputPaddingHeight,
                       window.padTop + window.padBottom)
    let w = try extent(width, window.strideWidth, window.effectiveWidth, outputPaddingWidth,
                       window.padLeft + window.padRight)
    return (h, w)
  }

  private func extent(_ size: Int, _ stride: Int, _ effective: Int, _ outputPadding: Int,
                      _ padding: Int) throws(Status) -> Int {
    let (span, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
    try require(!overflow && span <= Int.max / 4 && effective <= Int.max / 4, .outOfMemory)
    let result = span + effective + outputPadding - padding
    try require(result >= 1)
    return result
  }

  @inline(__always)
  func forEachValidTap(oy: Int, ox: Int, height: Int, width: Int, _ body: (Int, Int, Int) -> Void) {
    let w = window
    for ky in 0..<w.kernelHeight {
      let ty = oy + w.padTop - ky * w.dilationHeight
      if ty < 0 || ty % w.strideHeight != 0 { continue }
      let iy = ty / w.strideHeight
      if iy >= height { continue }
      for kx in 0..<w.kernelWidth {
        let tx = ox + w.padLeft - kx * w.dilationWidth
        if tx < 0 || tx % w.strideWidth != 0 { continue }
        let ix = tx / w.strideWidth
        if ix >= width { continue }
        body(ky * w.kernelWidth + kx, iy, ix)
      }
    }
  }
}

// MARK: - C ABI

/// A transposed convolution is a `Convolution2D` (its packed OHWI weights, int16 rows and
/// kernels) over a `TransposedWindow2D`; output size and run are the convolution's.
@_cdecl("qnnps_deconvolution2d_nhwc_create")
public func qnnps_deconvolution2d_nhwc_create(
  _ inputDtype: Int32, _ weightDtype: Int32,
  _ groups: Int, _ groupInputChannels: Int, _ groupOutputChannels: Int,
  _ kernelHeight: Int, _ kernelWidth: Int, _ strideHeight: Int, _ strideWidth: Int,
  _ dilationHeight: Int, _ dilationWidth: Int,
  _ padTop: Int, _ padLeft: Int, _ padBottom: Int, _ padRight: Int,
  _ outputPaddingHeight: Int, _ outputPaddingWidth: Int,
  _ inputScale: Float, _ inputZeroPoint: Int32,
  _ weights: UnsafeRawPointer?, _ weightScales: UnsafePointer<Float>?,
  _ weightZeroPoints: UnsafePointer<Int32>?, _ bias: UnsafePointer<Int32>?,
  _ outputScale: Float, _ outputZeroPoint: Int32, _ outputMin: Int32, _ outputMax: Int32,
  _ opOut: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  abiCall { () throws(Status) in
    let opOut = try nonNull(opOut)
    let inputType = try DType(code: inputDtype)
    let window = try Window2D(kernel: (kernelHeight, kernelWidth), stride: (strideHeight, strideWidth),
                              dilation: (dilationHeight, dilationWidth),
                              padding: (padTop, padLeft, padBottom, padRight))
    let op = try Convolution2D(
      inputType: inputType, weightType: DType(code: weightDtype),
      window: TransposedWindow2D(window: window, outputPadding: (outputPaddingHeight, outputPaddingWidth)),
      groups: groups, groupInputChannels: groupInputChannels, groupOutputChannels: groupOutputChannels,
      inputScale: inputScale, inputZeroPoint: inputZeroPoint,
      weights: nonNull(weights), weightScales: nonNull(weightScales), weightZeroPoints: nonNull(weightZeroPoints),
      bias: bias, outputScale: outputScale,
      output: inputType.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax))
    publish(op, opOut)
  }
}

@_cdecl("qnnps_deconvolution2d_nhwc_output_size")
public func qnnps_deconvolution2d_nhwc_output_size(
  _ op: OpaquePointer?, _ inputHeight: Int, _ inputWidth: Int,
  _ outputHeight: UnsafeMutablePointer<Int>?, _ outputWidth: UnsafeMutablePointer<Int>?
) -> Int32 {
  qnnps_convolution2d_nhwc_output_size(op, inputHeight, inputWidth, outputHeight, outputWidth)
}

@_cdecl("qnnps_deconvolution2d_nhwc_run")
public func qnnps_deconvolution2d_nhwc_run(
  _ op: OpaquePointer?, _ batch: Int, _ inputHeight: Int, _ inputWidth: Int,
  _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  qnnps_convolution2d_nhwc_run(op, batch, inputHeight, inputWidth, input, output)
}
