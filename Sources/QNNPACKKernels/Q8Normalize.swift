/// The normalisations' output pass in float64 (API.md §3): with per-channel
/// `factor[c] = (gamma[c] / output_scale) · (1 / sqrt(var + eps))` and
/// `shift[c] = beta[c] / output_scale`, `y = (s·(q − zp) − mean[c]) · factor[c] + shift[c]` is
/// the normalised value in output units, rounded half to even, offset and clamped. Folding
/// the divisions into the factors keeps them out of the loop; it moves y by a few ulps, so a
/// value a hair from .5 may round the other way (≤ 1 LSB).
@inlinable
public func q8NormalizeRows<T: QuantizedElement>(
  rows: Int, channels: Int, input: UnsafePointer<T>, inputScale: Double, inputZeroPoint: Int32,
  mean: UnsafePointer<Double>, factor: UnsafePointer<Double>, shift: UnsafePointer<Double>,
  quantization: OutputQuantization, output: UnsafeMutablePointer<T>
) {
  let lo = Double(quantization.lo - quantization.zeroPoint)
  let hi = Double(quantization.hi - quantization.zeroPoint)
  for r in 0..<rows {
    let x = input + r &* channels, out = output + r &* channels
    for c in 0..<channels {
      let d = inputScale * Double(x[c].int32 &- inputZeroPoint)
      let y = (d - mean[c]) * factor[c] + shift[c]
      let q = roundToNearestEven(Swift.min(Swift.max(y, lo), hi))
      out[c] = T(truncatingIfNeeded: q &+ quantization.zeroPoint)
    }
  }
}

/// Per-channel sums of `q − zp` and of its square over `rows` rows (exact integers).
@inlinable
public func q8ChannelMoments<T: QuantizedElement>(
  rows: Int, channels: Int, input: UnsafePointer<T>, zeroPoint: Int32,
  sum: UnsafeMutablePointer<Int64>, sumOfSquares: UnsafeMutablePointer<Int64>
) {
  for c in 0..<channels {
    sum[c] = 0
    sumOfSquares[c] = 0
  }
  for r in 0..<rows {
    let x = input + r &* channels
    for c in 0..<channels {
      let v = Int64(x[c].int32 &- zeroPoint)
      sum[c] &+= v
      sumOfSquares[c] &+= v &* v
    }
  }
}
