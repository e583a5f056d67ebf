/// The two activation types; generic kernels specialise per type.
public protocol QuantizedElement: FixedWidthInteger & Sendable {
  static var qmin: Int32 { get }
  static var qmax: Int32 { get }
}

extension UInt8: QuantizedElement {
  public static var qmin: Int32 { 0 }
  public static var qmax: Int32 { 255 }
}

extension Int8: QuantizedElement {
  public static var qmin: Int32 { -128 }
  public static var qmax: Int32 { 127 }
}

extension QuantizedElement {
  @inlinable @inline(__always)
  public var int32: Int32 { Int32(truncatingIfNeeded: self) }
}
