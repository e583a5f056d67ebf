import _Builtin_intrinsics.intel
import QNNPACKKernels

/// API.md §3's multiply over one row (strides 0 or 1, see `q8BinaryRowAVX2`):
/// `m · f32((a − a_zp)(b − b_zp))`; the product of the centred float32 values is that of the
/// integers exactly (below 2^17), so this is bit-exact with `MultiplyParameters.result`.
public func q8MultiplyRowAVX2(
  signed: Bool, count: Int, a: UnsafeRawPointer, aStride: Int, b: UnsafeRawPointer, bStride: Int,
  output: UnsafeMutableRawPointer, parameters p: MultiplyParameters
) {
  let m = _mm256_set1_ps(p.multiplier)
  q8BinaryRowAVX2(signed: signed, count: count, a: a, aStride: aStride, aZeroPoint: p.aZeroPoint,
                  b: b, bStride: bStride, bZeroPoint: p.bZeroPoint, output: output,
                  quantization: p.output, floatClamp: !(65025 * Double(p.multiplier.magnitude) < 0x1p30)) { fa, fb in
    _mm256_mul_ps(m, _mm256_mul_ps(fa, fb))
  }
}
