import QNNPACKAVX2
import QNNPACKKernels

/// Broadcasting multiply over a C-contiguous output (API.md §3):
/// `y = f32(f32(a_scale) · f32(b_scale)) / f32(output_scale) · f32((a − a_zp)(b − b_zp))`.
@_cdecl("qnnps_multiply_nd")
public func qnnps_multiply_nd(
  _ dtype: Int32, _ ndim: Int, _ shape: UnsafePointer<Int>?,
  _ a: UnsafeRawPointer?, _ aStrides: UnsafePointer<Int>?, _ aScale: Float, _ aZeroPoint: Int32,
  _ b: UnsafeRawPointer?, _ bStrides: UnsafePointer<Int>?, _ bScale: Float, _ bZeroPoint: Int32,
  _ outputScale: Float, _ outputZeroPoint: Int32, _ outputMin: Int32, _ outputMax: Int32,
  _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let operands = try BinaryOperands(
      dtype: dtype, ndim: ndim, shape: shape, aStrides: aStrides, bStrides: bStrides,
      scales: (aScale, bScale, outputScale), aZeroPoint: aZeroPoint, bZeroPoint: bZeroPoint,
      outputZeroPoint: outputZeroPoint, outputMin: outputMin, outputMax: outputMax)
    let parameters = MultiplyParameters(
      aZeroPoint: aZeroPoint, bZeroPoint: bZeroPoint,
      multiplier: try checkMultiplier((aScale * bScale) / outputScale), output: operands.output)
    try operands.run(a, b, output, parameters) { signed, count, x, xs, y, ys, out in
      q8MultiplyRowAVX2(signed: signed, count: count, a: x, aStride: xs, b: y, bStride: ys, output: out,
                        parameters: parameters)
    }
  }
}
