/// The per-element math of a quantized binary operator (add, multiply): inputs → output.
public protocol Q8BinaryElementwise: Sendable {
  func result<T: QuantizedElement>(_ a: T, _ b: T) -> T
}

/// One contiguous output row of a binary operator; each input either advances with it
/// (stride 1) or is broadcast (stride 0). Each stride pattern gets its own loop so that each
/// vectorises.
@inlinable
public func q8BinaryRow<T: QuantizedElement, P: Q8BinaryElementwise>(
  count: Int, a: UnsafePointer<T>, aStride: Int, b: UnsafePointer<T>, bStride: Int,
  output: UnsafeMutablePointer<T>, parameters: P
) {
  switch (aStride, bStride) {
  case (1, 1): q8BinaryLoop(count, a, 1, b, 1, output, parameters)
  case (1, 0): q8BinaryLoop(count, a, 1, b, 0, output, parameters)
  case (0, 1): q8BinaryLoop(count, a, 0, b, 1, output, parameters)
  default: q8BinaryLoop(count, a, aStride, b, bStride, output, parameters)
  }
}

@inlinable @inline(__always)
internal func q8BinaryLoop<T: QuantizedElement, P: Q8BinaryElementwise>(
  _ count: Int, _ a: UnsafePointer<T>, _ aStride: Int, _ b: UnsafePointer<T>, _ bStride: Int,
  _ output: UnsafeMutablePointer<T>, _ p: P
) {
  for i in 0..<count {
    output[i] = p.result(a[i &* aStride], b[i &* bStride])
  }
}
