/// The GEMM path's input pass: `[pixels, groups * channels]` of T becomes
/// `[pixels, groups, paddedChannels]` of int16 `x - zero_point`, the extra channel (at most one) zero, so the
/// microkernel reads whole int16 pairs and needs no zero-point or remainder handling.
@inlinable
public func q8ToS16Rows<T: QuantizedElement>(
  _ input: UnsafePointer<T>, pixels: Int, groups: Int, channels: Int, paddedChannels: Int,
  zeroPoint: Int32, output: UnsafeMutablePointer<Int16>
) {
  let zp = Int16(truncatingIfNeeded: zeroPoint)
  var src = input
  var dst = output
  for _ in 0..<pixels {
    for _ in 0..<groups {
      for c in 0..<channels {
        dst[c] = Int16(truncatingIfNeeded: src[c]) &- zp
      }
      if channels < paddedChannels { dst[channels] = 0 }  // at most one: a loop here became memset calls
      src += channels
      dst += paddedChannels
    }
  }
}
