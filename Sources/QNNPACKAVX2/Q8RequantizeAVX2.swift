import _Builtin_intrinsics.intel
import QNNPACKKernels

/// `y = f32(q − zp_in) · multiplier`, then rounded, offset and clamped, over a row, 32 values
/// a step; bit-exact with `q8Requantize`. `signedInput`/`signedOutput`: int8, else uint8.
public func q8RequantizeAVX2(
  signedInput: Bool, signedOutput: Bool, count: Int, input: UnsafeRawPointer, zeroPoint: Int32,
  multiplier: Float, quantization: OutputQuantization, output: UnsafeMutableRawPointer
) {
  switch (signedInput, signedOutput) {
  case (false, false): requantize(false, false, count, input, zeroPoint, multiplier, quantization, output)
  case (false, true): requantize(false, true, count, input, zeroPoint, multiplier, quantization, output)
  case (true, false): requantize(true, false, count, input, zeroPoint, multiplier, quantization, output)
  case (true, true): requantize(true, true, count, input, zeroPoint, multiplier, quantization, output)
  }
}

@inline(__always)
private func requantize(
  _ signedInput: Bool, _ signedOutput: Bool, _ count: Int, _ input: UnsafeRawPointer, _ zeroPoint: Int32,
  _ multiplier: Float, _ quantization: OutputQuantization, _ output: UnsafeMutableRawPointer
) {
  let q = Requantization8x(quantization), m = _mm256_set1_ps(multiplier)
  let z = Centring32(zeroPoint: zeroPoint, signed: signedInput)
  let floatClamp = !(255 * Double(multiplier.magnitude) < 0x1p30)  // see `bytes32(lanes:)`
  forEachBlock32(count: count, input, xSize: 1, input, ySize: 0, output, outputSize: 1) { x, _, out in
    let f = z.centred(x, signed: signedInput)
    let bytes = q.bytes32(lanes: _mm256_mul_ps(f.0, m), _mm256_mul_ps(f.1, m), _mm256_mul_ps(f.2, m),
                          _mm256_mul_ps(f.3, m), signed: signedOutput, floatClamp: floatClamp)
    out.storeBytes(of: bytes, as: __m256i.self)
  }
}
