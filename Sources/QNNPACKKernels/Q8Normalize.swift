/// The normalisations' output pass, in float64 in the reference's order (API.md §3):
/// `y = (s·(q − zp) − mean[c]) / root[c] · gamma[c] + beta[c]`, then `rint(y / output_scale)`
/// plus the output zero point, clamped. `root` is `sqrt(var + eps)`, +∞ where that is 0 (a
/// constant group with eps 0: its centred values are 0, and 0/0 counts as 0).
@inlinable
public func q8NormalizeRows<T: QuantizedElement>(
  rows: Int, channels: Int, input: UnsafePointer<T>, inputScale: Double, inputZeroPoint: Int32,
  mean: UnsafePointer<Double>, root: UnsafePointer<Double>, gamma: UnsafePointer<Double>,
  beta: UnsafePointer<Double>, outputScale: Double, quantization: OutputQuantization,
  output: UnsafeMutablePointer<T>
) {
  let lo = Double(quantization.lo - quantization.zeroPoint)
  let hi = Double(quantization.hi - quantization.zeroPoint)
  for r in 0..<rows {
    let x = input + r &* channels, out = output + r &* channels
    for c in 0..<channels {
      let d = inputScale * Double(x[c].int32 &- inputZeroPoint)
      let y = ((d - mean[c]) / root[c] * gamma[c] + beta[c]) / outputScale
      let q = Swift.min(Swift.max(y, lo), hi).rounded(.toNearestOrEven)
      out[c] = T(truncatingIfNeeded: Int32(q) &+ quantization.zeroPoint)
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
