import QNNPACKAVX2
import QNNPACKKernels
#if canImport(Glibc)
import Glibc
#endif

/// Softmax of `[outer, length, inner]` over the middle axis (any axis of an array).
@_cdecl("qnnps_softmax")
public func qnnps_softmax(
  _ dtype: Int32, _ outer: Int, _ length: Int, _ inner: Int,
  _ inputScale: Float, _ inputZeroPoint: Int32, _ outputScale: Float, _ outputZeroPoint: Int32,
  _ outputMin: Int32, _ outputMax: Int32, _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let type = try DType(code: dtype)
    try require(outer >= 0 && length >= 1 && inner >= 1)
    try checkScale(inputScale)
    try checkScale(outputScale)
    try type.checkZeroPoint(inputZeroPoint)
    let q = try type.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax)
    let count = try checkedProduct(outer, length, inner)
    _ = try checkedProduct(max(length, inner), 32)  // the scratch bytes, with room
    if count == 0 { return }
    let input = try nonNull(input), output = try nonNull(output)
    let exps = expTable(inputScale)
    switch type {
    case .uint8: softmax(outer, length, inner, input, exps, Double(outputScale), q, output, UInt8.self)
    case .int8: softmax(outer, length, inner, input, exps, Double(outputScale), q, output, Int8.self)
    }
  }
}

/// The last input scale's `exps` (`exps[k] = exp(−input_scale · k)`): 256 `exp` calls cost
/// more than a small softmax, and a model calls softmax with the same scale every time.
private let lastExpTable = Locked<(scale: Float, exps: [Double])>((0, []))

private func expTable(_ scale: Float) -> [Double] {
  if let exps = lastExpTable.withLock({ $0.scale == scale ? $0.exps : nil }) { return exps }
  let exps = (0..<256).map { exp(-Double(scale) * Double($0)) }
  lastExpTable.withLock { $0 = (scale, exps) }
  return exps
}

private func softmax<T: QuantizedElement>(
  _ outer: Int, _ length: Int, _ inner: Int, _ input: UnsafeRawPointer, _ exps: [Double], _ outputScale: Double,
  _ q: OutputQuantization, _ output: UnsafeMutableRawPointer, _: T.Type
) {
  let x = input.assumingMemoryBound(to: T.self), y = output.assumingMemoryBound(to: T.self)
  let rowSize = length * inner
  let rowsPerTask = max(1, (1 << 14) / rowSize)
  let isa = currentISA
  exps.withUnsafeBufferPointer { exps in
    parallelFor((outer + rowsPerTask - 1) / rowsPerTask, work: 8 * outer * rowSize) { task in
      let first = task * rowsPerTask
      withUnsafeTemporaryAllocation(of: Double.self, capacity: inner == 1 ? length + 3 : 3 * (inner + 3)) { scratch in
        let rows = min(rowsPerTask, outer - first)
        if isa >= .avx2 {
          q8SoftmaxAVX2(signedIO: T.self == Int8.self, rows: rows, length: length, inner: inner,
                        input: x + first * rowSize, exps: exps.baseAddress!, outputScale: outputScale,
                        quantization: q, output: y + first * rowSize, scratch: scratch.baseAddress!)
        } else {
          q8Softmax(rows: rows, length: length, inner: inner, input: x + first * rowSize, exps: exps.baseAddress!,
                    outputScale: outputScale, quantization: q, output: y + first * rowSize,
                    scratch: scratch.baseAddress!)
        }
      }
    }
  }
}
