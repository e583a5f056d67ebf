/// Output side of API.md §3's requantization: `clamp(rint(y) + zp, lo, hi)`.
///
/// `y` is clamped to `[lo - zp, hi - zp]` *before* rounding: the bounds are integers, so this
/// equals rounding first, and it keeps huge `y` from overflowing the float→int conversion.
public struct OutputQuantization: Sendable {
  public var zeroPoint: Int32
  public var lo: Int32
  public var hi: Int32
  public var loLessZeroPoint: Float
  public var hiLessZeroPoint: Float
  /// Set by an operator that has shown `|acc · multiplier| < 2³⁰` for everything it
  /// requantizes: float32 rounding keeps that below 2³¹, so `vcvtps2dq` cannot overflow and
  /// the AVX2 epilogues skip their float clamp (the byte clamp after the saturating narrowings
  /// gives the same bytes).
  public var convertsExactly = false

  public init(zeroPoint: Int32, lo: Int32, hi: Int32) {
    self.zeroPoint = zeroPoint
    self.lo = lo
    self.hi = hi
    loLessZeroPoint = Float(lo - zeroPoint)
    hiLessZeroPoint = Float(hi - zeroPoint)
  }

  @inlinable @inline(__always)
  public func quantize(_ y: Float) -> Int32 {
    // Written as the selects x86 `maxps`/`minps` implement, so loops over it vectorise to
    // two instructions (`Swift.max` would add NaN and signed-zero handling).
    let above = loLessZeroPoint > y ? loLessZeroPoint : y
    let c = hiLessZeroPoint < above ? hiLessZeroPoint : above
    return roundToNearestEven(c) &+ zeroPoint
  }
}

/// Round half to even for |x| < 2^22 with float adds only, so loops over it vectorise on any
/// x86-64 (SSE2 has no round instruction): adding 1.5·2^23 leaves the rounded integer in the
/// low mantissa bits.
@inlinable @inline(__always)
public func roundToNearestEven(_ x: Float) -> Int32 {
  let magic: Float = 12_582_912
  return Int32(bitPattern: (x + magic).bitPattern) &- 0x4B40_0000
}

/// The float64 counterpart for |x| < 2^31: adding 1.5·2^52 leaves the rounded integer in the
/// low mantissa bits (baseline x86-64 has no double round instruction either; `rounded()`
/// would be a libm call per element).
@inlinable @inline(__always)
public func roundToNearestEven(_ x: Double) -> Int32 {
  let magic = 6_755_399_441_055_744.0
  return Int32(truncatingIfNeeded: (x + magic).bitPattern)
}
