/// Bilinear interpolation of one output pixel's channels from the four input pixels around
/// it, PyTorch's float formula `h0·(w0·p00 + w1·p01) + h1·(w0·p10 + w1·p11)` on the
/// quantized values (the qparams are kept, so the zero point cancels), rounded half to even.
@inlinable
public func q8BilinearPixel<T: QuantizedElement>(
  channels: Int, p00: UnsafePointer<T>, p01: UnsafePointer<T>, p10: UnsafePointer<T>, p11: UnsafePointer<T>,
  h0: Float, h1: Float, w0: Float, w1: Float, output: UnsafeMutablePointer<T>
) {
  let q = OutputQuantization(zeroPoint: 0, lo: T.qmin, hi: T.qmax)
  for c in 0..<channels {
    let top = w0 * Float(p00[c].int32) + w1 * Float(p01[c].int32)
    let bottom = w0 * Float(p10[c].int32) + w1 * Float(p11[c].int32)
    output[c] = T(truncatingIfNeeded: q.quantize(h0 * top + h1 * bottom))
  }
}
