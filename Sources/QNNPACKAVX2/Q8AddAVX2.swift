import _Builtin_intrinsics.intel
import QNNPACKKernels

/// API.md §3's add over one row (strides 0 or 1, see `q8BinaryRowAVX2`):
/// `ma · f32(a − a_zp) + mb · f32(b − b_zp)`, two float32 products then their sum, never
/// fused; bit-exact with `AddParameters.result`. `signed`: int8 data, else uint8.
public func q8AddRowAVX2(
  signed: Bool, count: Int, a: UnsafeRawPointer, aStride: Int, b: UnsafeRawPointer, bStride: Int,
  output: UnsafeMutableRawPointer, parameters p: AddParameters
) {
  let ma = _mm256_set1_ps(p.aMultiplier), mb = _mm256_set1_ps(p.bMultiplier)
  q8BinaryRowAVX2(signed: signed, count: count, a: a, aStride: aStride, aZeroPoint: p.aZeroPoint,
                  b: b, bStride: bStride, bZeroPoint: p.bZeroPoint, output: output,
                  quantization: p.output,
                  floatClamp: !(255 * (Double(p.aMultiplier.magnitude) + Double(p.bMultiplier.magnitude)) < 0x1p30)) { fa, fb in
    _mm256_add_ps(_mm256_mul_ps(ma, fa), _mm256_mul_ps(mb, fb))
  }
}
