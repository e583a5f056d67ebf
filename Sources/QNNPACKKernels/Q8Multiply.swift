/// Parameters of API.md §3's multiply: `y = m · f32((a − a_zp)(b − b_zp))`; the product of
/// two centred 8-bit values is below 2^17, so its float32 is exact.
public struct MultiplyParameters: Q8BinaryElementwise {
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

  @inlinable @inline(__always)
  public func result<T: QuantizedElement>(_ a: T, _ b: T) -> T {
    let product = (a.int32 &- aZeroPoint) &* (b.int32 &- bZeroPoint)
    return T(truncatingIfNeeded: output.quantize(multiplier * Float(product)))
  }
}
