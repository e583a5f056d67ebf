import QNNPACKAVX2
import QNNPACKKernels

/// The axes of a broadcasting binary operator over a C-contiguous output: `size` and the two
/// inputs' element strides (0 on broadcast axes), validated and merged.
struct BroadcastAxes {
  let axes: [(size: Int, a: Int, b: Int)]
  let count: Int

  init(ndim: Int, shape: UnsafePointer<Int>?, aStrides: UnsafePointer<Int>?, bStrides: UnsafePointer<Int>?)
    throws(Status)
  {
    try require(ndim >= 1 && ndim <= 8)
    let shape = try nonNull(shape), aStrides = try nonNull(aStrides), bStrides = try nonNull(bStrides)
    // Validated and merged in one pass into one allocation: this runs on every call.
    var merged: [(size: Int, a: Int, b: Int)] = []
    merged.reserveCapacity(ndim)
    var count = 1
    for i in 0..<ndim {
      let axis = (size: shape[i], a: aStrides[i], b: bStrides[i])
      try require(axis.size >= 0 && axis.a >= 0 && axis.b >= 0)
      let (product, overflow) = count.multipliedReportingOverflow(by: axis.size)
      if overflow { throw Status.outOfMemory }
      count = product
      BroadcastAxes.merge(axis, into: &merged)
    }
    self.count = count
    axes = merged.isEmpty ? [(1, 0, 0)] : merged
  }

  /// Drops size-1 axes and merges an axis into the previous one where both inputs step
  /// through them contiguously (the output always does), so the common full-size and scalar
  /// cases run as one row.
  private static func merge(_ axis: (size: Int, a: Int, b: Int), into merged: inout [(size: Int, a: Int, b: Int)]) {
    if axis.size == 1 { return }
    if let last = merged.last, last.a == axis.a &* axis.size, last.b == axis.b &* axis.size {
      merged[merged.count - 1] = (last.size &* axis.size, axis.a, axis.b)
    } else {
      merged.append(axis)
    }
  }

  /// `body(a, aStride, b, bStride, output, count)` over contiguous output rows (cut in chunks),
  /// threads splitting.
  func forEachRow<T>(
    _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, as _: T.Type,
    _ body: (UnsafePointer<T>, Int, UnsafePointer<T>, Int, UnsafeMutablePointer<T>, Int) -> Void
  ) {
    let inner = axes[axes.count - 1]
    let outer = axes.dropLast()
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
      body(x + aOffset, inner.a, y + bOffset, inner.b, out + row * inner.size + start, count)
    }
  }
}

/// The validated arguments shared by the broadcasting binary operators' ABI.
struct BinaryOperands {
  let type: DType
  let broadcast: BroadcastAxes
  let output: OutputQuantization

  init(dtype: Int32, ndim: Int, shape: UnsafePointer<Int>?, aStrides: UnsafePointer<Int>?,
       bStrides: UnsafePointer<Int>?, scales: (Float, Float, Float), aZeroPoint: Int32, bZeroPoint: Int32,
       outputZeroPoint: Int32, outputMin: Int32, outputMax: Int32) throws(Status) {
    type = try DType(code: dtype)
    broadcast = try BroadcastAxes(ndim: ndim, shape: shape, aStrides: aStrides, bStrides: bStrides)
    try checkScale(scales.0)
    try checkScale(scales.1)
    try checkScale(scales.2)
    try type.checkZeroPoint(aZeroPoint)
    try type.checkZeroPoint(bZeroPoint)
    output = try type.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax)
  }
}

/// An AVX2 row kernel of a binary operator: `(signed, count, a, aStride, b, bStride, output)`,
/// strides 0 or 1.
typealias BinaryRowAVX2 = (Bool, Int, UnsafeRawPointer, Int, UnsafeRawPointer, Int, UnsafeMutableRawPointer) -> Void

extension BinaryOperands {
  /// Runs `kernel` over every output row (nothing for an empty output): `avx2` when the
  /// kernel family allows and the row's strides are 0 or 1 (whole blocks of 32), the
  /// portable loop otherwise.
  func run(_ a: UnsafeRawPointer?, _ b: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?,
           _ kernel: some Q8BinaryElementwise, avx2: BinaryRowAVX2) throws(Status) {
    if broadcast.count == 0 { return }
    let a = try nonNull(a), b = try nonNull(b), output = try nonNull(output)
    let useAVX2 = currentISA >= .avx2
    switch type {
    case .uint8: run(a, b, output, kernel, useAVX2, avx2, UInt8.self)
    case .int8: run(a, b, output, kernel, useAVX2, avx2, Int8.self)
    }
  }

  private func run<T: QuantizedElement>(
    _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ output: UnsafeMutableRawPointer,
    _ kernel: some Q8BinaryElementwise, _ useAVX2: Bool, _ avx2: BinaryRowAVX2, _: T.Type
  ) {
    broadcast.forEachRow(a, b, output, as: T.self) { x, xs, y, ys, out, count in
      splitBlocks32(count, useAVX2: useAVX2 && xs <= 1 && ys <= 1) { blocks in
        avx2(T.self == Int8.self, blocks, x, xs, y, ys, out)
      } portable: { start, n in
        q8BinaryRow(count: n, a: x + start * xs, aStride: xs, b: y + start * ys, bStride: ys,
                    output: out + start, parameters: kernel)
      }
    }
  }
}

/// Splits a row of `count` elements between an AVX2 kernel, `avx2(n)` on the first `n` (whole
/// blocks of 32), and the portable loop, `portable(start, n)` on the rest: a short row or a
/// row's end costs less there than through the AVX2 kernels' buffered tail.
@inline(__always)
func splitBlocks32(_ count: Int, useAVX2: Bool, _ avx2: (Int) -> Void, portable: (Int, Int) -> Void) {
  let blocks = useAVX2 ? count & ~31 : 0
  if blocks > 0 { avx2(blocks) }
  if blocks < count { portable(blocks, count - blocks) }
}
