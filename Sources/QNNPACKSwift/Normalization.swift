import QNNPACKKernels

/// Group, layer and batch normalisation of `[batch, pixels, channels]` (API.md §3: float64 on
/// the dequantized values, requantized). With `mean` and `variance` (length channels) the
/// statistics are those (inference batch norm); without, each sample's `groups` groups of
/// consecutive channels are normalised by their own mean and biased variance over all pixels
/// (group norm; layer norm is one group of one pixel). `gamma` / `beta`: NULL for 1 / 0.
@_cdecl("qnnps_normalize_nwc")
public func qnnps_normalize_nwc(
  _ dtype: Int32, _ batch: Int, _ pixels: Int, _ channels: Int, _ groups: Int,
  _ inputScale: Float, _ inputZeroPoint: Int32,
  _ mean: UnsafePointer<Double>?, _ variance: UnsafePointer<Double>?,
  _ gamma: UnsafePointer<Double>?, _ beta: UnsafePointer<Double>?, _ eps: Double,
  _ outputScale: Float, _ outputZeroPoint: Int32, _ outputMin: Int32, _ outputMax: Int32,
  _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let type = try DType(code: dtype)
    try require(batch >= 0 && pixels >= 1 && channels >= 1 && groups >= 1 && channels % groups == 0)
    try require(eps.isFinite && eps >= 0 && (mean == nil) == (variance == nil))
    try checkScale(inputScale)
    try checkScale(outputScale)
    try type.checkZeroPoint(inputZeroPoint)
    let q = try type.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax)
    _ = try checkedProduct(batch, pixels, channels)
    _ = try checkedProduct(channels, 48)
    var affine = [Double](repeating: 1, count: 2 * channels)  // gamma, then beta
    for c in 0..<channels {
      affine[c] = gamma?[c] ?? 1
      affine[channels + c] = beta?[c] ?? 0
      try require(affine[c].isFinite && affine[channels + c].isFinite)
    }
    var fixed: [Double]?  // batch norm: mean, then root
    if let mean, let variance {
      var statistics = [Double](repeating: 0, count: 2 * channels)
      for c in 0..<channels {
        try require(mean[c].isFinite && variance[c].isFinite && variance[c] + eps > 0)
        statistics[c] = mean[c]
        statistics[channels + c] = (variance[c] + eps).squareRoot()
      }
      fixed = statistics
    }
    if batch == 0 { return }
    let input = try nonNull(input), output = try nonNull(output)
    let shape = (batch: batch, pixels: pixels, channels: channels, groups: groups)
    let scales = (input: Double(inputScale), output: Double(outputScale))
    switch type {
    case .uint8: normalize(shape, scales, inputZeroPoint, fixed, affine, eps, q, input, output, UInt8.self)
    case .int8: normalize(shape, scales, inputZeroPoint, fixed, affine, eps, q, input, output, Int8.self)
    }
  }
}

private func normalize<T: QuantizedElement>(
  _ shape: (batch: Int, pixels: Int, channels: Int, groups: Int), _ scales: (input: Double, output: Double),
  _ zeroPoint: Int32, _ fixed: [Double]?, _ affine: [Double], _ eps: Double, _ q: OutputQuantization,
  _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _: T.Type
) {
  let (batch, pixels, channels, groups) = shape
  let x = input.assumingMemoryBound(to: T.self), y = output.assumingMemoryBound(to: T.self)
  let sampleSize = pixels * channels
  affine.withUnsafeBufferPointer { affine in
    let gamma = affine.baseAddress!, beta = gamma + channels
    if let fixed {
      fixed.withUnsafeBufferPointer { statistics in
        let rowsPerTask = max(1, (1 << 14) / channels)
        let rows = batch * pixels
        parallelFor((rows + rowsPerTask - 1) / rowsPerTask, work: 16 * rows * channels) { task in
          let first = task * rowsPerTask
          q8NormalizeRows(rows: min(rowsPerTask, rows - first), channels: channels, input: x + first * channels,
                          inputScale: scales.input, inputZeroPoint: zeroPoint, mean: statistics.baseAddress!,
                          root: statistics.baseAddress! + channels, gamma: gamma, beta: beta,
                          outputScale: scales.output, quantization: q, output: y + first * channels)
        }
      }
      return
    }
    let groupChannels = channels / groups
    let count = Double(pixels * groupChannels)
    parallelFor(batch, work: 20 * batch * sampleSize) { n in
      withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * channels) { moments in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * channels) { statistics in
          let sum = moments.baseAddress!, squares = sum + channels
          let mean = statistics.baseAddress!, root = mean + channels
          q8ChannelMoments(rows: pixels, channels: channels, input: x + n * sampleSize, zeroPoint: zeroPoint,
                           sum: sum, sumOfSquares: squares)
          for g in 0..<groups {
            var s1: Int64 = 0, s2: Int64 = 0
            for c in (g * groupChannels)..<((g + 1) * groupChannels) {
              s1 += sum[c]
              s2 += squares[c]
            }
            // Mean and biased variance of the centred integers, exact but for the last roundings.
            let m = Double(s1) / count
            let (scaled, overflow) = s2.multipliedReportingOverflow(by: Int64(count))
            let spread = overflow ? Double(s2) - Double(s1) * m : Double(scaled - s1 * s1) / count
            let variance = scales.input * scales.input * max(spread, 0) / count
            let r = (variance + eps).squareRoot()
            for c in (g * groupChannels)..<((g + 1) * groupChannels) {
              mean[c] = scales.input * m
              root[c] = r > 0 ? r : .infinity
            }
          }
          q8NormalizeRows(rows: pixels, channels: channels, input: x + n * sampleSize, inputScale: scales.input,
                          inputZeroPoint: zeroPoint, mean: mean, root: root, gamma: gamma, beta: beta,
                          outputScale: scales.output, quantization: q, output: y + n * sampleSize)
        }
      }
    }
  }
}
