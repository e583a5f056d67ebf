import QNNPACKKernels

/// A prepacked locally connected layer: a convolution whose weights differ at every output
/// pixel (`[OH, OW, C_out, KH, KW, C_in]`, bias `[OH, OW, C_out]`). Each pixel gets its own
/// packed blocks; a run converts the input to int16 rows once and multiplies each pixel's
/// blocks with the batch's rows of that pixel (up to 4 batch rows per GEMM tile).
final class LocallyConnected2D: @unchecked Sendable {
  let inputType: DType
  let window: Window2D
  let outputHeight, outputWidth, inputChannels, outputChannels: Int
  let inputZeroPoint: Int32
  let quantization: OutputQuantization
  /// One group of blocks per output pixel.
  let blocks: PackedGEMM
  let paddedChannels: Int

  init(
    window: Window2D, outputSize: (Int, Int), inputChannels: Int, outputChannels: Int, arguments: GEMMArguments
  ) throws(Status) {
    try require(outputSize.0 >= 1 && outputSize.1 >= 1)
    // The output pixels are the groups of a grouped GEMM, each with the whole input as its
    // input channels; the qparams are per output channel, shared by the pixels.
    let gemm = try GroupedGEMMWeights(
      arguments, groups: checkedProduct(outputSize.0, outputSize.1), groupInputChannels: inputChannels,
      groupOutputChannels: outputChannels, taps: window.taps, qparamChannels: outputChannels)
    inputType = arguments.inputType
    self.window = window
    (outputHeight, outputWidth) = outputSize
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
    inputZeroPoint = arguments.inputZeroPoint
    quantization = arguments.output
    paddedChannels = gemm.paddedChannels
    blocks = try gemm.pack(taps: Array(0..<window.taps))
  }

  func run(batch: Int, height: Int, width: Int,
           input: UnsafeRawPointer?, output: UnsafeMutableRawPointer?) throws(Status) {
    try require(batch >= 0)
    let size = try window.outputSize(height: height, width: width)
    try require(size.height == outputHeight && size.width == outputWidth)
    if batch == 0 { return }
    let input = try nonNull(input), output = try nonNull(output)
    let pixels = try checkedProduct(batch, height, width)
    let outputPixels = outputHeight * outputWidth
    let taps = window.taps
    _ = try checkedProduct(pixels + 1, paddedChannels, 2)
    _ = try checkedProduct(batch, outputPixels, taps, MemoryLayout<UnsafePointer<Int16>>.stride)
    _ = try checkedProduct(batch, outputPixels, outputChannels)

    let rows = try S16Rows(pixels: pixels, rowLength: paddedChannels)
    convertToS16RowsInParallel(inputType, input, pixels: pixels, groups: 1, channels: inputChannels,
                     paddedChannels: paddedChannels, zeroPoint: inputZeroPoint, output: rows.rows)
    // Pixel-major indirection: the batch's rows of one output pixel are consecutive GEMM rows.
    let indirectionBuffer = try AlignedBuffer(count: batch * outputPixels * taps, of: UnsafePointer<Int16>.self)
    let indirection = indirectionBuffer.typed(UnsafePointer<Int16>.self)
    for p in 0..<outputPixels {
      let (oy, ox) = p.quotientAndRemainder(dividingBy: outputWidth)
      for n in 0..<batch {
        rows.fillIndirection(indirection + (p * batch + n) * taps, window: window, n: n, oy: oy, ox: ox,
                             height: height, width: width)
      }
    }

    let epilogue = GEMMEpilogue.quantized(inputType, quantization)
    let outputStride = outputPixels * outputChannels
    parallelFor(outputPixels, work: batch * outputPixels * outputChannels * taps * paddedChannels) { p in
      for b in 0..<blocks.blocksPerGroup {
        gemmRows(blocks.kernelISA, epilogue, rows: batch, columns: min(16, outputChannels - b * 16), taps: taps,
                 pairsPerTap: paddedChannels / 2, a: indirection + p * batch * taps, aOffset: 0,
                 block: blocks.block(group: p, b), output: output + p * outputChannels + b * 16,
                 outputStride: outputStride)
      }
    }
  }
}

// MARK: - C ABI

/// weights `[OH, OW, C_out, KH, KW, C_in]`, bias `[OH, OW, C_out]` or NULL; weight scales and
/// zero points per output channel (length C_out).
@_cdecl("qnnps_locally_connected2d_nhwc_create")
public func qnnps_locally_connected2d_nhwc_create(
  _ inputDtype: Int32, _ weightDtype: Int32,
  _ outputHeight: Int, _ outputWidth: Int, _ inputChannels: Int, _ outputChannels: Int,
  _ kernelHeight: Int, _ kernelWidth: Int, _ strideHeight: Int, _ strideWidth: Int,
  _ dilationHeight: Int, _ dilationWidth: Int,
  _ padTop: Int, _ padLeft: Int, _ padBottom: Int, _ padRight: Int,
  _ inputScale: Float, _ inputZeroPoint: Int32,
  _ weights: UnsafeRawPointer?, _ weightScales: UnsafePointer<Float>?,
  _ weightZeroPoints: UnsafePointer<Int32>?, _ bias: UnsafePointer<Int32>?,
  _ outputScale: Float, _ outputZeroPoint: Int32, _ outputMin: Int32, _ outputMax: Int32,
  _ opOut: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  createGEMMOperator(
    opOut, inputDtype, weightDtype, kernel: (kernelHeight, kernelWidth), stride: (strideHeight, strideWidth),
    dilation: (dilationHeight, dilationWidth), padding: (padTop, padLeft, padBottom, padRight),
    inputScale, inputZeroPoint, weights, weightScales, weightZeroPoints, bias,
    outputScale, outputZeroPoint, outputMin, outputMax
  ) { (window, arguments) throws(Status) in
    try LocallyConnected2D(window: window, outputSize: (outputHeight, outputWidth), inputChannels: inputChannels,
                           outputChannels: outputChannels, arguments: arguments)
  }
}

/// input `[batch, H, W, C_in]` whose window output size is the weights' (OH, OW);
/// output `[batch, OH, OW, C_out]`.
@_cdecl("qnnps_locally_connected2d_nhwc_run")
public func qnnps_locally_connected2d_nhwc_run(
  _ op: OpaquePointer?, _ batch: Int, _ inputHeight: Int, _ inputWidth: Int,
  _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let lc = try operatorObject(op, as: LocallyConnected2D.self)
    try lc.run(batch: batch, height: inputHeight, width: inputWidth, input: input, output: output)
  }
}
