/// Indirect GEMM over int16 rows, up to 4 rows × 16 columns, in plain Swift with 64-bit
/// accumulators: the fallback on any CPU and the exact path for reductions whose sums could
/// leave int32. `a` holds `taps` row pointers per output row (see `q8ToS16Rows`); each row
/// contributes `pairsPerTap` int16 pairs starting at `aOffset`.
@inlinable
public func qs16IGEMM4x16Portable<T: QuantizedElement>(
  rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
  block: UnsafeRawPointer, output: UnsafeMutablePointer<T>, outputStride: Int,
  quantization: OutputQuantization
) {
  let multiplier = (block + 64).assumingMemoryBound(to: Float.self)
  qs16IGEMMRowsPortable(rows: rows, taps: taps, pairsPerTap: pairsPerTap, a: a, aOffset: aOffset, block: block) {
    r, acc in
    storeLanes(acc, columns: columns, multiplier: multiplier, output: output + r * outputStride,
               quantization: quantization)
  }
}

/// Same GEMM with a float32 epilogue (dynamic linear): `out[c] = f32(acc) · f32(scale · m[c])`.
@inlinable
public func qs16IGEMM4x16PortableDequantized(
  rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
  block: UnsafeRawPointer, scale: Float, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
  let multiplier = (block + 64).assumingMemoryBound(to: Float.self)
  qs16IGEMMRowsPortable(rows: rows, taps: taps, pairsPerTap: pairsPerTap, a: a, aOffset: aOffset, block: block) {
    r, acc in
    for lane in 0..<PackedWeights.lanes {
      let c = PackedWeights.laneChannel[lane]
      if c < columns { output[r * outputStride + c] = Float(acc[lane]) * (scale * multiplier[lane]) }
    }
  }
}

/// The 64-bit accumulation of both portable GEMMs; `store(row, acc)` per row, acc in lane order.
@inlinable @inline(__always)
public func qs16IGEMMRowsPortable(
  rows: Int, taps: Int, pairsPerTap: Int, a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
  block: UnsafeRawPointer, store: (Int, UnsafeMutableBufferPointer<Int64>) -> Void
) {
  let bias = block.assumingMemoryBound(to: Int32.self)
  let weights = (block + PackedWeights.headerBytes).assumingMemoryBound(to: Int16.self)
  withUnsafeTemporaryAllocation(of: Int64.self, capacity: PackedWeights.lanes) { acc in
    for r in 0..<rows {
      for lane in 0..<PackedWeights.lanes { acc[lane] = Int64(bias[lane]) }
      var w = weights
      for t in 0..<taps {
        let row = a[r * taps + t] + aOffset
        for p in 0..<pairsPerTap {
          let a0 = Int64(row[2 * p]), a1 = Int64(row[2 * p + 1])
          for lane in 0..<PackedWeights.lanes {
            acc[lane] += a0 * Int64(w[2 * lane]) + a1 * Int64(w[2 * lane + 1])
          }
          w += 32
        }
      }
      store(r, acc)
    }
  }
}

/// Requantizes 16 lane accumulators and stores the first `columns` channels.
@inlinable
public func storeLanes<T: QuantizedElement>(
  _ acc: UnsafeMutableBufferPointer<Int64>, columns: Int, multiplier: UnsafePointer<Float>,
  output: UnsafeMutablePointer<T>, quantization: OutputQuantization
) {
  for lane in 0..<PackedWeights.lanes {
    let c = PackedWeights.laneChannel[lane]
    if c < columns {
      output[c] = T(truncatingIfNeeded: quantization.quantize(Float(acc[lane]) * multiplier[lane]))
    }
  }
}
