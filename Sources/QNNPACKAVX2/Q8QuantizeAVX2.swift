import _Builtin_intrinsics.intel
import QNNPACKKernels

/// `q = clamp(rint(f32(x) / f32(scale)) + zp)` over a row, 32 values a step with a true
/// float32 division; NaN quantizes to the zero point. Bit-exact with `q8Quantize`.
/// `signed`: int8 output, else uint8.
public func q8QuantizeAVX2(
  signed: Bool, count: Int, input: UnsafePointer<Float>, scale: Float, quantization: OutputQuantization,
  output: UnsafeMutableRawPointer
) {
  if signed {
    quantize(true, count, input, scale, quantization, output)
  } else {
    quantize(false, count, input, scale, quantization, output)
  }
}

@inline(__always)
private func quantize(
  _ signed: Bool, _ count: Int, _ input: UnsafePointer<Float>, _ scale: Float, _ quantization: OutputQuantization,
  _ output: UnsafeMutableRawPointer
) {
  let q = Requantization8x(quantization), s = _mm256_set1_ps(scale)
  let magnitude = _mm256_set1_epi32(0x7FFF_FFFF), infinity = _mm256_set1_epi32(0x7F80_0000)
  @inline(__always) func step(_ p: UnsafeRawPointer) -> __m256 {
    let v = _mm256_div_ps(p.loadUnaligned(as: __m256.self), s)
    // NaN (magnitude bits above infinity's) becomes 0.
    let nan = _mm256_cmpgt_epi32(_mm256_and_si256(_mm256_castps_si256(v), magnitude), infinity)
    return _mm256_andnot_ps(_mm256_castsi256_ps(nan), v)
  }
  forEachBlock32(count: count, input, xSize: 4, input, ySize: 0, output, outputSize: 1) { x, _, out in
    out.storeBytes(of: q.bytes32(step(x), step(x + 32), step(x + 64), step(x + 96), signed: signed), as: __m256i.self)
  }
}
