import QNNPACKAVX2
import QNNPACKKernels

/// Concatenation of `count` inputs along an axis, each requantized to the output's qparams
/// (API.md §3's requantize). Seen as `[outer, inner_i]` per input, the output is
/// `[outer, Σ inner_i]`; an input whose qparams equal the output's is copied.
@_cdecl("qnnps_concatenate")
public func qnnps_concatenate(
  _ dtype: Int32, _ count: Int, _ outer: Int, _ inner: UnsafePointer<Int>?,
  _ inputs: UnsafePointer<UnsafeRawPointer?>?, _ inputScales: UnsafePointer<Float>?,
  _ inputZeroPoints: UnsafePointer<Int32>?, _ outputScale: Float, _ outputZeroPoint: Int32,
  _ outputMin: Int32, _ outputMax: Int32, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let type = try DType(code: dtype)
    try require(count >= 1 && outer >= 0)
    let inner = try nonNull(inner), scales = try nonNull(inputScales), zeroPoints = try nonNull(inputZeroPoints)
    try checkScale(outputScale)
    let q = try type.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax)
    var parts: [(source: UnsafeRawPointer?, inner: Int, offset: Int, multiplier: Float, zeroPoint: Int32)] = []
    var total = 0
    for i in 0..<count {
      try require(inner[i] >= 0)
      try checkScale(scales[i])
      try type.checkZeroPoint(zeroPoints[i])
      parts.append((try nonNull(inputs)[i], inner[i], total, try checkMultiplier(scales[i] / outputScale), zeroPoints[i]))
      let (sum, overflow) = total.addingReportingOverflow(inner[i])
      try require(!overflow, .outOfMemory)
      total = sum
    }
    if try checkedProduct(outer, total) == 0 { return }
    let output = try nonNull(output)
    for part in parts where part.inner > 0 { _ = try nonNull(part.source) }
    let identity = q.lo == type.qmin && q.hi == type.qmax
    switch type {
    case .uint8: concatenate(parts, outer, total, q, identity, output, UInt8.self)
    case .int8: concatenate(parts, outer, total, q, identity, output, Int8.self)
    }
  }
}

private func concatenate<T: QuantizedElement>(
  _ parts: [(source: UnsafeRawPointer?, inner: Int, offset: Int, multiplier: Float, zeroPoint: Int32)],
  _ outer: Int, _ total: Int, _ q: OutputQuantization, _ identity: Bool,
  _ output: UnsafeMutableRawPointer, _: T.Type
) {
  let y = output.assumingMemoryBound(to: T.self)
  let avx2 = currentISA >= .avx2
  parallelRows(rows: outer, length: total) { row, start, length in
    // This chunk covers [start, start + length) of the output row; each part fills its overlap.
    for part in parts {
      let lo = max(start, part.offset), hi = min(start + length, part.offset + part.inner)
      if lo >= hi { continue }
      let x = part.source!.assumingMemoryBound(to: T.self) + row * part.inner + (lo - part.offset)
      let out = y + row * total + lo
      if identity && part.multiplier == 1 && part.zeroPoint == q.zeroPoint {
        out.update(from: x, count: hi - lo)
      } else {
        splitBlocks32(hi - lo, useAVX2: avx2) { n in
          q8RequantizeAVX2(signedInput: T.self == Int8.self, signedOutput: T.self == Int8.self, count: n, input: x,
                           zeroPoint: part.zeroPoint, multiplier: part.multiplier, quantization: q, output: out)
        } portable: { start, n in
          q8Requantize(count: n, input: x + start, zeroPoint: part.zeroPoint, multiplier: part.multiplier,
                       quantization: q, output: out + start)
        }
      }
    }
  }
}
