/// Softmax over the middle axis of `[rows, length, inner]` 8-bit values, with the float64
/// operations of the reference (API.md §3) in its order: `e = exp(d − max d)` for
/// `d = input_scale · (q − zp)`, `y = e / Σe`, `out = rint(y / output_scale) + zp`, clamped.
/// `d − max d` is exactly `−input_scale · (max q − q)` (both products are exact in float64), so
/// `e` is `exps[max q − q]` with `exps[k] = exp(−input_scale · k)`. Σ adds in NumPy's order:
/// pairwise over a contiguous row (`inner == 1`, `softmaxPairwiseSum`), one row of the axis
/// after the other otherwise. `scratch` holds `3 · inner` doubles (`inner > 1`).
@inlinable
public func q8Softmax<T: QuantizedElement>(
  rows: Int, length: Int, inner: Int, input: UnsafePointer<T>, exps: UnsafePointer<Double>,
  outputScale: Double, quantization: OutputQuantization, output: UnsafeMutablePointer<T>,
  scratch: UnsafeMutablePointer<Double>
) {
  let lo = Double(quantization.lo - quantization.zeroPoint)
  let hi = Double(quantization.hi - quantization.zeroPoint)
  // `e · (1 / (Σ · output_scale))` is within 6 ulp of the reference's `(e / Σ) / output_scale`;
  // only where that bound reaches a rounding boundary (.5) can the two round apart, and there
  // the reference's divisions run. Clamping first keeps the check off values far out of range.
  @inline(__always) func store(_ e: Double, _ sum: Double, _ factor: Double) -> T {
    let magic = 6_755_399_441_055_744.0
    var c = Swift.min(Swift.max(e * factor, lo), hi)
    if 0.5 - Swift.abs(c - ((c + magic) - magic)) <= c * 0x1p-49 {
      c = Swift.min(Swift.max(e / sum / outputScale, lo), hi)
    }
    return T(truncatingIfNeeded: roundToNearestEven(c) &+ quantization.zeroPoint)
  }
  if inner == 1 {
    for r in 0..<rows {
      let x = input + r &* length, y = output + r &* length
      var top = x[0]
      for i in 1..<length { top = Swift.max(top, x[i]) }
      let t = top.int32
      let sum = softmaxPairwiseSum(length) { exps[Int(t &- x[$0].int32)] }
      let factor = 1 / (sum * outputScale)
      for i in 0..<length { y[i] = store(exps[Int(t &- x[i].int32)], sum, factor) }
    }
    return
  }
  let sum = scratch, factor = scratch + inner, top = UnsafeMutableRawPointer(scratch + 2 &* inner)
    .assumingMemoryBound(to: Int32.self)
  for r in 0..<rows {
    let x = input + r &* length &* inner, y = output + r &* length &* inner
    for j in 0..<inner { top[j] = x[j].int32 }
    for i in 1..<length {
      for j in 0..<inner { top[j] = Swift.max(top[j], x[i &* inner &+ j].int32) }
    }
    for j in 0..<inner { sum[j] = 0 }
    for i in 0..<length {
      for j in 0..<inner { sum[j] += exps[Int(top[j] &- x[i &* inner &+ j].int32)] }
    }
    for j in 0..<inner { factor[j] = 1 / (sum[j] * outputScale) }
    for i in 0..<length {
      for j in 0..<inner {
        let k = i &* inner &+ j
        y[k] = store(exps[Int(top[j] &- x[k].int32)], sum[j], factor[j])
      }
    }
  }
}

/// `Σ element(i)` for i in 0..<n in the order of NumPy's pairwise summation of a contiguous
/// float64 axis: below 8 elements one after the other; up to 128, eight running sums of
/// every eighth element combined as ((0+1)+(2+3))+((4+5)+(6+7)), then the rest one by one;
/// above, the halves (the first a multiple of 8) summed alike and added.
@inlinable
func softmaxPairwiseSum(_ n: Int, _ element: (Int) -> Double) -> Double {
  @inline(__always) func block(_ first: Int, _ n: Int) -> Double {
    var s = 0.0
    if n < 8 {
      for i in 0..<n { s += element(first &+ i) }
      return s
    }
    var r = (element(first), element(first &+ 1), element(first &+ 2), element(first &+ 3),
             element(first &+ 4), element(first &+ 5), element(first &+ 6), element(first &+ 7))
    var i = 8
    while i < n & ~7 {
      let p = first &+ i
      r.0 += element(p); r.1 += element(p &+ 1); r.2 += element(p &+ 2); r.3 += element(p &+ 3)
      r.4 += element(p &+ 4); r.5 += element(p &+ 5); r.6 += element(p &+ 6); r.7 += element(p &+ 7)
      i &+= 8
    }
    s = ((r.0 + r.1) + (r.2 + r.3)) + ((r.4 + r.5) + (r.6 + r.7))
    while i < n {
      s += element(first &+ i)
      i &+= 1
    }
    return s
  }
  func sum(_ first: Int, _ n: Int) -> Double {
    if n <= 128 { return block(first, n) }
    let half = (n / 2) & ~7
    return sum(first, half) + sum(first &+ half, n &- half)
  }
  return sum(0, n)
}
