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
  let q = Requantization8x(quantization), m = _mm256_set1_ps(multiplier), z = _mm256_set1_epi32(zeroPoint)
  @inline(__always) func step(_ p: UnsafeRawPointer) -> __m256 {
    _mm256_mul_ps(centred8(p, signed: signedInput, z), m)
  }
  forEachBlock32(count: count, input, xSize: 1, input, ySize: 0, output, outputSize: 1) { x, _, out in
    out.storeBytes(of: q.bytes32(step(x), step(x + 8), step(x + 16), step(x + 24), signed: signedOutput),
                   as: __m256i.self)
  }
}
