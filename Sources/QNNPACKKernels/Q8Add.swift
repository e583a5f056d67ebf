/// Parameters of API.md §3's add: `y = ma * f32(a - a_zp) + mb * f32(b - b_zp)`.
public struct AddParameters: Q8BinaryElementwise {
  public var aZeroPoint: Int32
  public var bZeroPoint: Int32
  public var aMultiplier: Float
  public var bMultiplier: Float
  public var output: OutputQuantization

  public init(aZeroPoint: Int32, bZeroPoint: Int32, aMultiplier: Float, bMultiplier: Float,
              output: OutputQuantization) {
    self.aZeroPoint = aZeroPoint
    self.bZeroPoint = bZeroPoint
    self.aMultiplier = aMultiplier
    self.bMultiplier = bMultiplier
    self.output = output
  }

  @inlinable @inline(__always)
  public func result<T: QuantizedElement>(_ a: T, _ b: T) -> T {
    let y = aMultiplier * Float(a.int32 &- aZeroPoint) + bMultiplier * Float(b.int32 &- bZeroPoint)
    return T(truncatingIfNeeded: output.quantize(y))
  }
}
