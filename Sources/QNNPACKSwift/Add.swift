import QNNPACKKernels

/// Broadcasting add over a C-contiguous output (API.md §3). Axes that are contiguous for
/// both inputs are merged first, so the common full-size and scalar cases run as one row.
@_cdecl("qnnps_add_nd")
public func qnnps_add_nd(
  _ dtype: Int32, _ ndim: Int, _ shape: UnsafePointer<Int>?,
  _ a: UnsafeRawPointer?, _ aStrides: UnsafePointer<Int>?, _ aScale: Float, _ aZeroPoint: Int32,
  _ b: UnsafeRawPointer?, _ bStrides: UnsafePointer<Int>?, _ bScale: Float, _ bZeroPoint: Int32,
  _ outputScale: Float, _ outputZeroPoint: Int32, _ outputMin: Int32, _ outputMax: Int32,
  _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let type = try DType(code: dtype)
    try require(ndim >= 1 && ndim <= 8)
    let shape = try nonNull(shape), aStrides = try nonNull(aStrides), bStrides = try nonNull(bStrides)
    for s in [aScale, bScale, outputScale] { try checkScale(s) }
    try type.checkZeroPoint(aZeroPoint)
    try type.checkZeroPoint(bZeroPoint)
    let parameters = AddParameters(
      aZeroPoint: aZeroPoint, bZeroPoint: bZeroPoint,
      aMultiplier: try checkMultiplier(aScale / outputScale), bMultiplier: try checkMultiplier(bScale / outputScale),
      output: try type.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax))
    var axes: [(size: Int, a: Int, b: Int)] = []
    for i in 0..<ndim {
      try require(shape[i] >= 0 && aStrides[i] >= 0 && bStrides[i] >= 0)
      axes.append((shape[i], aStrides[i], bStrides[i]))
    }
    let count = try checkedProduct(of: axes.map(\.size))
    if count == 0 { return }
    let a = try nonNull(a), b = try nonNull(b), output = try nonNull(output)
    let merged = mergeAxes(axes)
    switch type {
    case .uint8: add(merged, a, b, output, parameters, UInt8.self)
    case .int8: add(merged, a, b, output, parameters, Int8.self)
    }
  }
}

/// Drops size-1 axes and merges an axis into the next where both inputs step through them
/// contiguously (the output always does).
private func mergeAxes(_ axes: [(size: Int, a: Int, b: Int)]) -> [(size: Int, a: Int, b: Int)] {
  var merged: [(size: Int, a: Int, b: Int)] = []
  for axis in axes where axis.size != 1 {
    if let last = merged.last, last.a == axis.a * axis.size, last.b == axis.b * axis.size {
      merged[merged.count - 1] = (last.size * axis.size, axis.a, axis.b)
    } else {
      merged.append(axis)
    }
  }
  return merged.isEmpty ? [(1, 0, 0)] : merged
}

private func add<T: QuantizedElement>(
  _ axes: [(size: Int, a: Int, b: Int)], _ a: UnsafeRawPointer, _ b: UnsafeRawPointer,
  _ output: UnsafeMutableRawPointer, _ parameters: AddParameters, _: T.Type
) {
  let inner = axes[axes.count - 1]
  let outer = Array(axes.dropLast())
  let rows = outer.reduce(1) { $0 * $1.size }
  let x = a.assumingMemoryBound(to: T.self), y = b.assumingMemoryBound(to: T.self)
  let out = output.assumingMemoryBound(to: T.self)
  parallelRows(rows: rows, length: inner.size) { row, start, count in
    var aOffset = start * inner.a, bOffset = start * inner.b
    var rest = row
    for axis in outer.reversed() {
      let (q, index) = rest.quotientAndRemainder(dividingBy: axis.size)
      aOffset += index * axis.a
      bOffset += index * axis.b
      rest = q
    }
    q8AddRow(count: count, a: x + aOffset, aStride: inner.a, b: y + bOffset, bStride: inner.b,
             output: out + row * inner.size + start, parameters: parameters)
  }
}
