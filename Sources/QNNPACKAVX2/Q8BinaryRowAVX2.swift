import _Builtin_intrinsics.intel
import QNNPACKKernels

/// One contiguous output row of a binary operator (add, multiply), 32 elements a step; each
/// input advances with the output (stride 1) or is broadcast (stride 0, one element read).
/// `combine` maps 8 centred float32 values of each input to the 8 values to requantize;
/// `floatClamp` false promises these are below 2^31 in magnitude (see `bytes32(lanes:)`).
@inline(__always)
func q8BinaryRowAVX2(
  signed: Bool, count: Int, a: UnsafeRawPointer, aStride: Int, aZeroPoint: Int32,
  b: UnsafeRawPointer, bStride: Int, bZeroPoint: Int32, output: UnsafeMutableRawPointer,
  quantization: OutputQuantization, floatClamp: Bool, _ combine: (__m256, __m256) -> __m256
) {
  // Each sign and stride pattern gets its own loop, the conditions below folded away.
  @inline(__always) func row(_ signed: Bool, _ aStride: Int, _ bStride: Int) {
    if floatClamp {
      row(signed, aStride, bStride, true)
    } else {
      row(signed, aStride, bStride, false)
    }
  }
  @inline(__always) func row(_ signed: Bool, _ aStride: Int, _ bStride: Int, _ floatClamp: Bool) {
    let q = Requantization8x(quantization)
    let za = Centring32(zeroPoint: aZeroPoint, signed: signed), zb = Centring32(zeroPoint: bZeroPoint, signed: signed)
    @inline(__always) func scalar(_ p: UnsafeRawPointer, _ zeroPoint: Int32) -> __m256 {
      let v = signed ? Int32(p.load(as: Int8.self)) : Int32(p.load(as: UInt8.self))
      return _mm256_set1_ps(Float(v &- zeroPoint))
    }
    let aBroadcast = scalar(a, aZeroPoint), bBroadcast = scalar(b, bZeroPoint)
    forEachBlock32(count: count, a, xSize: aStride, b, ySize: bStride, output, outputSize: 1) { x, y, out in
      let fa = aStride == 0 ? (aBroadcast, aBroadcast, aBroadcast, aBroadcast) : za.centred(x, signed: signed)
      let fb = bStride == 0 ? (bBroadcast, bBroadcast, bBroadcast, bBroadcast) : zb.centred(y, signed: signed)
      let bytes = q.bytes32(lanes: combine(fa.0, fb.0), combine(fa.1, fb.1), combine(fa.2, fb.2), combine(fa.3, fb.3),
                            signed: signed, floatClamp: floatClamp)
      out.storeBytes(of: bytes, as: __m256i.self)
    }
  }
  switch (signed, aStride, bStride) {
  case (false, 1, 1): row(false, 1, 1)
  case (false, 1, _): row(false, 1, 0)
  case (false, _, 1): row(false, 0, 1)
  case (false, _, _): row(false, 0, 0)
  case (true, 1, 1): row(true, 1, 1)
  case (true, 1, _): row(true, 1, 0)
  case (true, _, 1): row(true, 0, 1)
  case (true, _, _): row(true, 0, 0)
  }
}
