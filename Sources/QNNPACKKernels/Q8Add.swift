/// Parameters of API.md §3's add: `y = ma * f32(a - a_zp) + mb * f32(b - b_zp)`.
public struct AddParameters: Sendable {
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
}

/// One contiguous output row; each input either advances with it (stride 1) or is broadcast
/// (stride 0). Each stride pattern gets its own loop so that each vectorises.
@inlinable
public func q8AddRow<T: QuantizedElement>(
  count: Int, a: UnsafePointer<T>, aStride: Int, b: UnsafePointer<T>, bStride: Int,
  output: UnsafeMutablePointer<T>, parameters: AddParameters
) {
  switch (aStride, bStride) {
  case (1, 1): q8AddLoop(count, a, 1, b, 1, output, parameters)
  case (1, 0): q8AddLoop(count, a, 1, b, 0, output, parameters)
  case (0, 1): q8AddLoop(count, a, 0, b, 1, output, parameters)
  default: q8AddLoop(count, a, aStride, b, bStride, output, parameters)
  }
}

@inlinable @inline(__always)
internal func q8AddLoop<T: QuantizedElement>(
  _ count: Int, _ a: UnsafePointer<T>, _ aStride: Int, _ b: UnsafePointer<T>, _ bStride: Int,
  _ output: UnsafeMutablePointer<T>, _ p: AddParameters
) {
  for i in 0..<count {
    let fa = Float(a[i &* aStride].int32 &- p.aZeroPoint)
    let fb = Float(b[i &* bStride].int32 &- p.bZeroPoint)
    let y = p.aMultiplier * fa + p.bMultiplier * fb
    output[i] = T(truncatingIfNeeded: p.output.quantize(y))
  }
}
