import QNNPACKAVX2
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
    var fixed: [Double]?  // batch norm: mean, then sqrt(var + eps)
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
    case .uint8: try normalize(shape, scales, inputZeroPoint, fixed, affine, eps, q, input, output, UInt8.self)
    case .int8: try normalize(shape, scales, inputZeroPoint, fixed, affine, eps, q, input, output, Int8.self)
    }
  }
}

/// `q8NormalizeRows` with the kernel family in use (the baseline build is SSE2: two doubles
/// a vector).
private func normalizeRows<T: QuantizedElement>(
  _ isa: ISA, rows: Int, channels: Int, input: UnsafePointer<T>, inputScale: Double, inputZeroPoint: Int32,
  mean: UnsafePointer<Double>, factor: UnsafePointer<Double>, shift: UnsafePointer<Double>,
  quantization: OutputQuantization, output: UnsafeMutablePointer<T>
) {
  if isa >= .avx2 {
    q8NormalizeRowsAVX2(signedIO: T.self == Int8.self, rows: rows, channels: channels, input: input,
                        inputScale: inputScale, inputZeroPoint: inputZeroPoint, mean: mean, factor: factor,
                        shift: shift, quantization: quantization, output: output)
  } else {
    q8NormalizeRows(rows: rows, channels: channels, input: input, inputScale: inputScale,
                    inputZeroPoint: inputZeroPoint, mean: mean, factor: factor, shift: shift,
                    quantization: quantization, output: output)
  }
}

/// `q8ChannelMoments` with the kernel family in use (AVX2 from 8 rows: below, its reduction of
/// the lanes costs more than it saves; layer norm has one row a sample).
private func channelMoments<T: QuantizedElement>(
  _ isa: ISA, rows: Int, channels: Int, input: UnsafePointer<T>, zeroPoint: Int32,
  sum: UnsafeMutablePointer<Int64>, sumOfSquares: UnsafeMutablePointer<Int64>
) {
  if isa >= .avx2 && rows >= 8 {
    q8ChannelMomentsAVX2(signed: T.self == Int8.self, rows: rows, channels: channels, input: input,
                         zeroPoint: zeroPoint, sum: sum, sumOfSquares: sumOfSquares)
  } else {
    q8ChannelMoments(rows: rows, channels: channels, input: input, zeroPoint: zeroPoint, sum: sum,
                     sumOfSquares: sumOfSquares)
  }
}

private func normalize<T: QuantizedElement>(
  _ shape: (batch: Int, pixels: Int, channels: Int, groups: Int), _ scales: (input: Double, output: Double),
  _ zeroPoint: Int32, _ fixed: [Double]?, _ affine: [Double], _ eps: Double, _ q: OutputQuantization,
  _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _: T.Type
) throws(Status) {
  let (batch, pixels, channels, groups) = shape
  let x = input.assumingMemoryBound(to: T.self), y = output.assumingMemoryBound(to: T.self)
  let sampleSize = pixels * channels
  let isa = currentISA
  // gamma / output_scale and beta / output_scale once; a group multiplies the first by
  // 1 / sqrt(var + eps), or by 0 for a constant group with eps 0 (its centred values are all
  // 0, and 0/0 counts as 0: the output is beta).
  var scaled = [Double](repeating: 0, count: 2 * channels)
  for c in 0..<2 * channels { scaled[c] = affine[c] / scales.output }
  let gamma = Array(scaled[..<channels]), shift = Array(scaled[channels...])
  func inverse(_ root: Double) -> Double { root > 0 ? 1 / root : 0 }
  if let fixed {
    // Batch norm: one mean and factor per channel for the whole input.
    var folded = [Double](repeating: 0, count: 2 * channels)
    for c in 0..<channels {
      folded[c] = fixed[c]
      folded[channels + c] = gamma[c] * inverse(fixed[channels + c])
    }
    folded.withUnsafeBufferPointer { f in
      let mean = f.baseAddress!, factor = mean + channels
      let rowsPerTask = max(1, (1 << 14) / channels)
      let rows = batch * pixels
      parallelFor((rows + rowsPerTask - 1) / rowsPerTask, work: 8 * rows * channels) { task in
        let first = task * rowsPerTask
        normalizeRows(isa, rows: min(rowsPerTask, rows - first), channels: channels, input: x + first * channels,
                        inputScale: scales.input, inputZeroPoint: zeroPoint, mean: mean, factor: factor,
                        shift: shift, quantization: q, output: y + first * channels)
      }
    }
    return
  }
  let groupChannels = channels / groups
  let count = Double(pixels * groupChannels)
  /// A sample's mean and factor per channel from its channels' moments.
  func statistics(sum: UnsafePointer<Int64>, squares: UnsafePointer<Int64>,
                  mean: UnsafeMutablePointer<Double>, factor: UnsafeMutablePointer<Double>) {
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
      let factorOfRoot = inverse((scales.input * scales.input * max(spread, 0) / count + eps).squareRoot())
      for c in (g * groupChannels)..<((g + 1) * groupChannels) {
        mean[c] = scales.input * m
        factor[c] = gamma[c] * factorOfRoot
      }
    }
  }
  // Samples of many rows split over tasks of ≥ 16 rows (the moments of a task then take no
  // more bytes than its rows): each task's integer moments (their totals do not depend on
  // the split), each sample's statistics, then the rows (1×56²×64, 8 groups: 251 → 136 µs
  // on two threads). Smaller samples are a task each.
  let rowsPerTask = max(16, (1 << 14) / channels, (pixels + 63) / 64)
  let chunks = (pixels + rowsPerTask - 1) / rowsPerTask
  if chunks == 1 {
    parallelFor(batch, work: 8 * batch * sampleSize) { n in
      withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * channels) { moments in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * channels) { values in
          let sum = moments.baseAddress!, mean = values.baseAddress!
          channelMoments(isa, rows: pixels, channels: channels, input: x + n * sampleSize, zeroPoint: zeroPoint,
                         sum: sum, sumOfSquares: sum + channels)
          statistics(sum: sum, squares: sum + channels, mean: mean, factor: mean + channels)
          normalizeRows(isa, rows: pixels, channels: channels, input: x + n * sampleSize, inputScale: scales.input,
                        inputZeroPoint: zeroPoint, mean: mean, factor: mean + channels, shift: shift, quantization: q,
                        output: y + n * sampleSize)
        }
      }
    }
    return
  }
  let tasks = try checkedProduct(batch, chunks)
  let moments = try AlignedBuffer(count: checkedProduct(tasks, 2 * channels), of: Int64.self)
  let values = try AlignedBuffer(count: checkedProduct(batch, 2 * channels), of: Double.self)
  let sums = moments.typed(Int64.self), means = values.typed(Double.self)
  func rows(of task: Int) -> (sample: Int, first: Int, count: Int) {
    let (n, chunk) = task.quotientAndRemainder(dividingBy: chunks)
    return (n, chunk * rowsPerTask, min(rowsPerTask, pixels - chunk * rowsPerTask))
  }
  parallelFor(tasks, work: 4 * batch * sampleSize) { task in
    let (n, first, count) = rows(of: task)
    let sum = sums + task * 2 * channels
    channelMoments(isa, rows: count, channels: channels, input: x + n * sampleSize + first * channels,
                   zeroPoint: zeroPoint, sum: sum, sumOfSquares: sum + channels)
  }
  for n in 0..<batch {
    // The sample's totals in its first task's slots.
    let total = sums + n * chunks * 2 * channels
    for chunk in 1..<chunks {
      let part = total + chunk * 2 * channels
      for c in 0..<(2 * channels) { total[c] += part[c] }
    }
    let mean = means + n * 2 * channels
    statistics(sum: total, squares: total + channels, mean: mean, factor: mean + channels)
  }
  parallelFor(tasks, work: 8 * batch * sampleSize) { task in
    let (n, first, count) = rows(of: task)
    let mean = means + n * 2 * channels
    normalizeRows(isa, rows: count, channels: channels, input: x + n * sampleSize + first * channels,
                  inputScale: scales.input, inputZeroPoint: zeroPoint, mean: mean, factor: mean + channels,
                  shift: shift, quantization: q, output: y + n * sampleSize + first * channels)
  }
}
