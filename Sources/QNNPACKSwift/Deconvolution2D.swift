import QNNPACKKernels

/// The window of a transposed convolution (PyTorch's ConvTranspose2d): output pixel `oy`
/// receives input row `iy` through tap `ky` when `oy = iy·stride − pad_top + ky·dilation`.
struct TransposedWindow2D {
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

  /// The kernel rows `k` that can reach output rows `o ≡ residue (mod stride)`: those with
  /// `o + padding − k·dilation` divisible by the stride.
  static func taps(residue: Int, kernel: Int, stride: Int, dilation: Int, padding: Int) -> [Int] {
    (0..<kernel).filter { k in ((residue + padding - k * dilation) % stride + stride) % stride == 0 }
  }
}

/// A prepacked transposed convolution as stride_h × stride_w subconvolutions (XNNPACK's
/// decomposition of QNNPACK's deconvolution): output pixels with the same
/// `(oy mod stride_h, ox mod stride_w)` are reached by the same kernel taps, so each such class
/// packs only its taps with `packWeightBlock` and runs the indirect GEMM over them. Seen from
/// output pixel (oy, ox), tap (ky, kx) reads input pixel
/// `((oy + pad_top − ky·dilation) / stride_h, …)` (exact divisions within a class), or the
/// zero row when that lies outside the input. Nothing multiplies a tap that cannot hit.
final class Deconvolution2D: @unchecked Sendable {
  /// One residue class: its taps (`ky·KW + kx`) and their packed blocks.
  struct Subkernel {
    let taps: [Int]
    let blocks: PackedGEMM
  }

  let inputType: DType
  let window: TransposedWindow2D
  let groups, groupInputChannels, groupOutputChannels: Int
  let inputZeroPoint: Int32
  let quantization: OutputQuantization
  let paddedChannels, blocksPerGroup: Int
  /// Row-major over (oy mod stride_h, ox mod stride_w).
  let subkernels: [Subkernel]

  var inputChannels: Int { groups * groupInputChannels }
  var outputChannels: Int { groups * groupOutputChannels }

  init(
    window: TransposedWindow2D, groups: Int, groupInputChannels: Int, groupOutputChannels: Int,
    arguments: GEMMArguments
  ) throws(Status) {
    let w = window.window
    _ = try checkedProduct(w.strideHeight, w.strideWidth, MemoryLayout<Subkernel>.stride)
    let gemm = try GroupedGEMMWeights(
      arguments, groups: groups, groupInputChannels: groupInputChannels,
      groupOutputChannels: groupOutputChannels, taps: w.taps)
    inputType = arguments.inputType
    self.window = window
    self.groups = groups
    self.groupInputChannels = groupInputChannels
    self.groupOutputChannels = groupOutputChannels
    inputZeroPoint = arguments.inputZeroPoint
    quantization = gemm.quantization(arguments.output)
    paddedChannels = gemm.paddedChannels
    blocksPerGroup = gemm.blocksPerGroup
    var subkernels: [Subkernel] = []
    for ry in 0..<w.strideHeight {
      for rx in 0..<w.strideWidth {
        let rows = TransposedWindow2D.taps(residue: ry, kernel: w.kernelHeight, stride: w.strideHeight,
                                           dilation: w.dilationHeight, padding: w.padTop)
        let columns = TransposedWindow2D.taps(residue: rx, kernel: w.kernelWidth, stride: w.strideWidth,
                                              dilation: w.dilationWidth, padding: w.padLeft)
        let taps = rows.flatMap { ky in columns.map { kx in ky * w.kernelWidth + kx } }
        subkernels.append(Subkernel(taps: taps, blocks: try gemm.pack(taps: taps)))
      }
    }
    self.subkernels = subkernels
  }

  func run(batch: Int, height: Int, width: Int,
           input: UnsafeRawPointer?, output: UnsafeMutableRawPointer?) throws(Status) {
    try require(batch >= 0)
    let (oh, ow) = try window.outputSize(height: height, width: width)
    if batch == 0 { return }
    let input = try nonNull(input), output = try nonNull(output)
    let pixels = try checkedProduct(batch, height, width)
    let rowLength = groups * paddedChannels
    _ = try checkedProduct(pixels + 1, rowLength, 2)
    _ = try checkedProduct(batch, oh, ow, outputChannels)

    let s16 = try S16Rows(pixels: pixels, rowLength: rowLength)
    let (rows, zero) = (s16.rows, s16.zero)
    convertToS16RowsInParallel(inputType, input, pixels: pixels, groups: groups, channels: groupInputChannels,
                     paddedChannels: paddedChannels, zeroPoint: inputZeroPoint, output: rows)

    // One task per (class, image, output row of the class): its pixels along x are GEMM rows,
    // `stride_w` output pixels apart.
    let w = window.window
    let (sh, sw) = (w.strideHeight, w.strideWidth)
    let classRows = (oh + sh - 1) / sh
    let epilogue = GEMMEpilogue.quantized(inputType, quantization)
    let c = outputChannels
    let work = batch * oh * ow * c * w.taps * paddedChannels / max(1, sh * sw)
    parallelFor(sh * sw * batch * classRows, work: work) { task in
      let (rest, j) = task.quotientAndRemainder(dividingBy: classRows)
      let (k, n) = rest.quotientAndRemainder(dividingBy: batch)
      let (ry, rx) = k.quotientAndRemainder(dividingBy: sw)
      let oy = ry + j * sh
      if oy >= oh || rx >= ow { return }
      let sub = subkernels[k]
      let taps = sub.taps.count
      let count = (ow - rx + sw - 1) / sw
      withUnsafeTemporaryAllocation(of: UnsafePointer<Int16>.self, capacity: max(1, count * taps)) { a in
        for i in 0..<count {
          let ox = rx + i * sw
          for (t, tap) in sub.taps.enumerated() {
            let (ky, kx) = tap.quotientAndRemainder(dividingBy: w.kernelWidth)
            let iy = (oy + w.padTop - ky * w.dilationHeight) / sh
            let ix = (ox + w.padLeft - kx * w.dilationWidth) / sw
            // Within a class both divisions are exact; negative numerators are outside too.
            let inside = oy + w.padTop >= ky * w.dilationHeight && ox + w.padLeft >= kx * w.dilationWidth
              && iy < height && ix < width
            a[i * taps + t] = inside ? UnsafePointer(rows + ((n * height + iy) * width + ix) * rowLength) : zero
          }
        }
        let indirection = UnsafePointer(a.baseAddress!)
        let rowOutput = output + ((n * oh + oy) * ow + rx) * c
        for g in 0..<groups {
          for b in 0..<blocksPerGroup {
            gemmRows(sub.blocks.kernelISA, epilogue, rows: count, columns: min(16, groupOutputChannels - b * 16),
                     taps: taps, pairsPerTap: paddedChannels / 2, a: indirection, aOffset: g * paddedChannels,
                     block: sub.blocks.block(group: g, b), output: rowOutput + g * groupOutputChannels + b * 16,
                     outputStride: sw * c)
          }
        }
      }
    }
  }
}

// MARK: - C ABI

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
  // The output padding is checked after the pointers (either fails as an invalid parameter).
  createGEMMOperator(
    opOut, inputDtype, weightDtype, kernel: (kernelHeight, kernelWidth), stride: (strideHeight, strideWidth),
    dilation: (dilationHeight, dilationWidth), padding: (padTop, padLeft, padBottom, padRight),
    inputScale, inputZeroPoint, weights, weightScales, weightZeroPoints, bias,
    outputScale, outputZeroPoint, outputMin, outputMax
  ) { (window, arguments) throws(Status) in
    try Deconvolution2D(
      window: TransposedWindow2D(window: window, outputPadding: (outputPaddingHeight, outputPaddingWidth)),
      groups: groups, groupInputChannels: groupInputChannels, groupOutputChannels: groupOutputChannels,
      arguments: arguments)
  }
}

@_cdecl("qnnps_deconvolution2d_nhwc_output_size")
public func qnnps_deconvolution2d_nhwc_output_size(
  _ op: OpaquePointer?, _ inputHeight: Int, _ inputWidth: Int,
  _ outputHeight: UnsafeMutablePointer<Int>?, _ outputWidth: UnsafeMutablePointer<Int>?
) -> Int32 {
  abiCall { () throws(Status) in
    let size = try operatorObject(op, as: Deconvolution2D.self).window.outputSize(height: inputHeight, width: inputWidth)
    try nonNull(outputHeight).pointee = size.height
    try nonNull(outputWidth).pointee = size.width
  }
}

@_cdecl("qnnps_deconvolution2d_nhwc_run")
public func qnnps_deconvolution2d_nhwc_run(
  _ op: OpaquePointer?, _ batch: Int, _ inputHeight: Int, _ inputWidth: Int,
  _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    try operatorObject(op, as: Deconvolution2D.self).run(batch: batch, height: inputHeight, width: inputWidth,
                                                          input: input, output: output)
  }
}
