import _Builtin_intrinsics.intel

/// `x = f32(scale) · f32(q − zp)` over a row, 32 values a step; bit-exact with
/// `q8Dequantize`. `signed`: int8 input, else uint8.
public func q8DequantizeAVX2(
  signed: Bool, count: Int, input: UnsafeRawPointer, scale: Float, zeroPoint: Int32,
  output: UnsafeMutablePointer<Float>
) {
  if signed {
    dequantize(true, count, input, scale, zeroPoint, output)
  } else {
    dequantize(false, count, input, scale, zeroPoint, output)
  }
}

@inline(__always)
private func dequantize(
  _ signed: Bool, _ count: Int, _ input: UnsafeRawPointer, _ scale: Float, _ zeroPoint: Int32,
  _ output: UnsafeMutablePointer<Float>
) {
  let s = _mm256_set1_ps(scale), z = Centring(zeroPoint: zeroPoint, signed: signed)
  forEachBlock32(count: count, input, xSize: 1, input, ySize: 0, output, outputSize: 4) { x, _, out in
    for k in 0..<4 {
      out.storeBytes(of: _mm256_mul_ps(s, z.centred8(x + 8 &* k, signed: signed)), toByteOffset: 32 &* k, as: __m256.self)
    }
  }
}
