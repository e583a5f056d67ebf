/// Parameters of API.md §3's multiply: `y = m · f32((a − a_zp)(b − b_zp))`; the product of
/// two centred 8-bit values is below 2^17, so its float32 is exact.
public struct MultiplyParameters: Sendable {
  public var aZeroPoint: Int32
  public var bZeroPoint: Int32
  public var multiplier: Float
  public var output: OutputQuantization

  public init(aZeroPoint: Int32, bZeroPoint: Int32, multiplier: Float, output: OutputQuantization) {
    self.aZeroPoint = aZeroPoint
    self.bZeroPoint = bZeroPoint
    self.multiplier = multiplier
    self.output = output
  }
}

/// One contiguous output row, each input advancing (stride 1) or broadcast (stride 0); each
/// stride pattern gets its own loop so that each vectorises.
@inlinable
public func q8MultiplyRow<T: QuantizedElement>(
  count: Int, a: UnsafePointer<T>, aStride: Int, b: UnsafePointer<T>, bStride: Int,
  output: UnsafeMutablePointer<T>, parameters: MultiplyParameters
) {
  switch (aStride, bStride) {
  case (1, 1): q8MultiplyLoop(count, a, 1, b, 1, output, parameters)
  case (1, 0): q8MultiplyLoop(count, a, 1, b, 0, output, parameters)
  case (0, 1): q8MultiplyLoop(count, a, 0, b, 1, output, parameters)
  default: q8MultiplyLoop(count, a, aStride, b, bStride, output, parameters)
  }
}

@inlinable @inline(__always)
internal func q8MultiplyLoop<T: QuantizedElement>(
  _ count: Int, _ a: UnsafePointer<T>, _ aStride: Int, _ b: UnsafePointer<T>, _ bStride: Int,
  _ output: UnsafeMutablePointer<T>, _ p: MultiplyParameters
) {
  for i in 0..<count {
    let product = (a[i &* aStride].int32 &- p.aZeroPoint) &* (b[i &* bStride].int32 &- p.bZeroPoint)
    output[i] = T(truncatingIfNeeded: p.output.quantize(p.multiplier * Float(product)))
  }
}
