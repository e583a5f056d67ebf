/// Softmax over the middle axis of `[rows, length, inner]` 8-bit values, in float64 (API.md
/// §3). The input is quantized, so `exp(x − max x)` is `exps[max q − q]` with
/// `exps[d] = exp(−input_scale · d)`; each output is `exps[d] / (Σ · output_scale)`, rounded
/// half to even, offset and clamped. `scratch` holds `2 · inner` doubles.
@inlinable
public func q8Softmax<T: QuantizedElement>(
  rows: Int, length: Int, inner: Int, input: UnsafePointer<T>, exps: UnsafePointer<Double>,
  outputScale: Double, quantization: OutputQuantization, output: UnsafeMutablePointer<T>,
  scratch: UnsafeMutablePointer<Double>
) {
  let lo = Double(quantization.lo - quantization.zeroPoint)
  let hi = Double(quantization.hi - quantization.zeroPoint)
  @inline(__always) func store(_ y: Double) -> T {
    T(truncatingIfNeeded: roundToNearestEven(Swift.min(Swift.max(y, lo), hi)) &+ quantization.zeroPoint)
  }
  if inner == 1 {
    for r in 0..<rows {
      let x = input + r &* length, y = output + r &* length
      var top = x[0]
      for i in 1..<length { top = Swift.max(top, x[i]) }
      var sum = 0.0
      for i in 0..<length { sum += exps[Int(top.int32 &- x[i].int32)] }
      let factor = 1 / (sum * outputScale)
      for i in 0..<length { y[i] = store(exps[Int(top.int32 &- x[i].int32)] * factor) }
    }
    return
  }
  let top = scratch, sum = scratch + inner
  for r in 0..<rows {
    let x = input + r &* length &* inner, y = output + r &* length &* inner
    for j in 0..<inner { top[j] = Double(x[j].int32) }
    for i in 1..<length {
      for j in 0..<inner { top[j] = Swift.max(top[j], Double(x[i &* inner &+ j].int32)) }
    }
    for j in 0..<inner { sum[j] = 0 }
    for i in 0..<length {
      for j in 0..<inner { sum[j] += exps[Int(top[j]) &- Int(x[i &* inner &+ j].int32)] }
    }
    for j in 0..<inner { sum[j] = 1 / (sum[j] * outputScale) }
    for i in 0..<length {
      for j in 0..<inner {
        let k = i &* inner &+ j
        y[k] = store(exps[Int(top[j]) &- Int(x[k].int32)] * sum[j])
      }
    }
  }
}
