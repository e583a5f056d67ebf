import QNNPACKKernels

/// Source coordinates of one axis of a resize, PyTorch's rules in float32.
private struct ResizeAxis {
  var first: [Int] = [], second: [Int] = [], lambda: [Float] = []

  /// Nearest: `min(floor(dst · (in / out)), in − 1)`.
  init(nearest input: Int, _ output: Int) {
    let scale = Float(input) / Float(output)
    first = (0..<output).map { min(Int((Float($0) * scale).rounded(.down)), input - 1) }
  }

  /// Bilinear: `src = dst · (in − 1)/(out − 1)` with aligned corners, else the half-pixel
  /// `(dst + 0.5) · in/out − 0.5` clamped at 0; neighbours `floor(src)` and the next one
  /// inside the input, weighted by the fractional part.
  init(bilinear input: Int, _ output: Int, alignCorners: Bool) {
    for d in 0..<output {
      let src: Float
      if alignCorners {
        src = output > 1 ? Float(input - 1) / Float(output - 1) * Float(d) : 0
      } else {
        src = max(Float(input) / Float(output) * (Float(d) + 0.5) - 0.5, 0)
      }
      let i = min(Int(src), input - 1)
      first.append(i)
      second.append(i < input - 1 ? i + 1 : i)
      lambda.append(src - Float(i))
    }
  }
}

/// Resize of NHWC `[batch, H, W, C]` to `[batch, OH, OW, C]`, keeping the qparams.
/// mode 0: nearest (exact, PyTorch's index rule); 1: bilinear (`align_corners` 0 or 1).
@_cdecl("qnnps_resize2d_nhwc")
public func qnnps_resize2d_nhwc(
  _ dtype: Int32, _ batch: Int, _ inputHeight: Int, _ inputWidth: Int, _ channels: Int,
  _ outputHeight: Int, _ outputWidth: Int, _ mode: Int32, _ alignCorners: Int32,
  _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let type = try DType(code: dtype)
    try require(batch >= 0 && inputHeight >= 1 && inputWidth >= 1 && channels >= 1)
    try require(outputHeight >= 1 && outputWidth >= 1 && (mode == 0 || mode == 1))
    try require(mode == 1 || alignCorners == 0)
    _ = try checkedProduct(batch, inputHeight, inputWidth, channels)
    _ = try checkedProduct(batch, outputHeight, outputWidth, channels)
    if batch == 0 { return }
    let input = try nonNull(input), output = try nonNull(output)
    let geometry = (batch: batch, height: inputHeight, width: inputWidth, channels: channels)
    if mode == 0 {
      let rows = ResizeAxis(nearest: inputHeight, outputHeight), columns = ResizeAxis(nearest: inputWidth, outputWidth)
      forEachOutputPixel(geometry, outputHeight, outputWidth, output) { n, oy, ox, out in
        out.copyMemory(from: input + ((n * inputHeight + rows.first[oy]) * inputWidth + columns.first[ox]) * channels,
                       byteCount: channels)
      }
      return
    }
    let rows = ResizeAxis(bilinear: inputHeight, outputHeight, alignCorners: alignCorners != 0)
    let columns = ResizeAxis(bilinear: inputWidth, outputWidth, alignCorners: alignCorners != 0)
    switch type {
    case .uint8: bilinear(geometry, rows, columns, input, output, UInt8.self)
    case .int8: bilinear(geometry, rows, columns, input, output, Int8.self)
    }
  }
}

private typealias Geometry = (batch: Int, height: Int, width: Int, channels: Int)

/// `body(n, oy, ox, outputPixel)` for every output pixel, threads splitting the rows.
private func forEachOutputPixel(
  _ g: Geometry, _ outputHeight: Int, _ outputWidth: Int, _ output: UnsafeMutableRawPointer,
  _ body: (Int, Int, Int, UnsafeMutableRawPointer) -> Void
) {
  parallelFor(g.batch * outputHeight, work: g.batch * outputHeight * outputWidth * g.channels) { task in
    let (n, oy) = task.quotientAndRemainder(dividingBy: outputHeight)
    for ox in 0..<outputWidth { body(n, oy, ox, output + (task * outputWidth + ox) * g.channels) }
  }
}

private func bilinear<T: QuantizedElement>(
  _ g: Geometry, _ rows: ResizeAxis, _ columns: ResizeAxis,
  _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _: T.Type
) {
  let x = input.assumingMemoryBound(to: T.self)
  let c = g.channels
  forEachOutputPixel(g, rows.first.count, columns.first.count, output) { n, oy, ox, out in
    let top = x + (n * g.height + rows.first[oy]) * g.width * c
    let bottom = x + (n * g.height + rows.second[oy]) * g.width * c
    let (x0, x1) = (columns.first[ox] * c, columns.second[ox] * c)
    let h1 = rows.lambda[oy], w1 = columns.lambda[ox]
    q8BilinearPixel(channels: c, p00: top + x0, p01: top + x1, p10: bottom + x0, p11: bottom + x1,
                    h0: 1 - h1, h1: h1, w0: 1 - w1, w1: w1, output: out.assumingMemoryBound(to: T.self))
  }
}
