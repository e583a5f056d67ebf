/// `q = clamp(rint(f32(x) / f32(scale)) + zp)`; a true float32 division as API.md §3 says.
/// NaN quantizes to the zero point.
@inlinable
public func q8Quantize<T: QuantizedElement>(
  count: Int, input: UnsafePointer<Float>, scale: Float, quantization: OutputQuantization,
  output: UnsafeMutablePointer<T>
) {
  for i in 0..<count {
    let v = input[i] / scale
    output[i] = T(truncatingIfNeeded: quantization.quantize(v.isNaN ? 0 : v))
  }
}

/// `x = f32(scale) * f32(q - zp)`.
@inlinable
public func q8Dequantize<T: QuantizedElement>(
  count: Int, input: UnsafePointer<T>, scale: Float, zeroPoint: Int32,
  output: UnsafeMutablePointer<Float>
) {
  for i in 0..<count { output[i] = scale * Float(input[i].int32 &- zeroPoint) }
}

/// `y = f32(q - zp_in) * (f32(s_in) / f32(s_out))`, then rounded, offset and clamped.
@inlinable
public func q8Requantize<I: QuantizedElement, O: QuantizedElement>(
  count: Int, input: UnsafePointer<I>, zeroPoint: Int32, multiplier: Float,
  quantization: OutputQuantization, output: UnsafeMutablePointer<O>
) {
  for i in 0..<count {
    let y = Float(input[i].int32 &- zeroPoint) * multiplier
    output[i] = O(truncatingIfNeeded: quantization.quantize(y))
  }
}
