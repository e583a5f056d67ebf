/// Max over `taps` rows of `channels` elements (padding never reaches here), clamped.
@inlinable
public func q8MaxPixel<T: QuantizedElement>(
  channels: Int, taps: Int, input: UnsafePointer<UnsafePointer<T>>, lo: T, hi: T,
  output: UnsafeMutablePointer<T>
) {
  output.update(from: input[0], count: channels)
  for t in 1..<max(taps, 1) {
    let row = input[t]
    for c in 0..<channels { output[c] = Swift.max(output[c], row[c]) }
  }
  for c in 0..<channels { output[c] = Swift.min(Swift.max(output[c], lo), hi) }
}

/// Adds `count` rows of `channels` elements into `acc` (which the caller zeroes).
@inlinable
public func q8SumRows<T: QuantizedElement, Acc: FixedWidthInteger>(
  channels: Int, count: Int, input: UnsafePointer<UnsafePointer<T>>, acc: UnsafeMutablePointer<Acc>
) {
  for t in 0..<count {
    let row = input[t]
    for c in 0..<channels { acc[c] &+= Acc(truncatingIfNeeded: row[c]) }
  }
}

/// Adds `count` consecutive rows of `channels` elements into `acc` (global pooling).
@inlinable
public func q8SumConsecutiveRows<T: QuantizedElement, Acc: FixedWidthInteger>(
  channels: Int, count: Int, input: UnsafePointer<T>, acc: UnsafeMutablePointer<Acc>
) {
  var row = input
  for _ in 0..<count {
    for c in 0..<channels { acc[c] &+= Acc(truncatingIfNeeded: row[c]) }
    row += channels
  }
}

/// `out[c] = requantize(float32(acc[c] + offset) * multiplier)`; `offset` is −count·zero_point.
@inlinable
public func q8StoreAverage<T: QuantizedElement, Acc: FixedWidthInteger>(
  channels: Int, acc: UnsafePointer<Acc>, offset: Acc, multiplier: Float,
  quantization: OutputQuantization, output: UnsafeMutablePointer<T>
) {
  for c in 0..<channels {
    let y = Float(acc[c] &+ offset) * multiplier
    output[c] = T(truncatingIfNeeded: quantization.quantize(y))
  }
}
