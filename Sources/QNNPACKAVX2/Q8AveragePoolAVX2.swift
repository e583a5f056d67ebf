import _Builtin_intrinsics.intel
import QNNPACKKernels

/// One output pixel of average pooling: `acc = Σ x` over the window's taps inside the input
/// (`first + r·rowStep + c·columnStep`, `windowRows × windowColumns` of them) in int32 (the
/// caller keeps `taps · 255` within int32), then `requantize(f32(acc + offset) · multiplier)`
/// with `offset = −taps · x_zp`; bit-exact with `q8SumRows` + `q8StoreAverage`. Global average
/// pooling is one window of `1 × pixels` taps. `signed`: int8 data, else uint8.
public func q8AveragePixelAVX2(
  signed: Bool, channels: Int, first: UnsafeRawPointer, windowRows: Int, rowStep: Int, windowColumns: Int,
  columnStep: Int, offset: Int32, multiplier: Float, quantization: OutputQuantization,
  output: UnsafeMutableRawPointer
) {
  let taps = PoolTaps(first: first, rows: windowRows, rowStep: rowStep, columns: windowColumns, columnStep: columnStep)
  if signed {
    averagePixel(Int8Bytes.self, channels, taps, offset, multiplier, quantization, output)
  } else {
    averagePixel(UInt8Bytes.self, channels, taps, offset, multiplier, quantization, output)
  }
}

/// 32 channels a step, then 8, the tail as one overlapping 8-wide step (scalar below 8
/// channels), so nothing past a row is read.
@inline(__always)
private func averagePixel<S: ByteSignedness>(
  _: S.Type, _ channels: Int, _ taps: PoolTaps, _ offset: Int32,
  _ multiplier: Float, _ quantization: OutputQuantization, _ output: UnsafeMutableRawPointer
) {
  let signed = S.signed
  let q = Requantization8x(quantization)
  let offsets = _mm256_set1_epi32(offset), m = _mm256_set1_ps(multiplier)
  @inline(__always) func average(_ acc: __m256i) -> __m256 {
    _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(acc, offsets)), m)
  }
  @inline(__always) func step32(_ c: Int) {
    var a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0
    taps.forEach {
      let p = $0 + c
      a0 = _mm256_add_epi32(a0, widen8(p, signed: signed))
      a1 = _mm256_add_epi32(a1, widen8(p + 8, signed: signed))
      a2 = _mm256_add_epi32(a2, widen8(p + 16, signed: signed))
      a3 = _mm256_add_epi32(a3, widen8(p + 24, signed: signed))
    }
    output.storeBytes(of: q.bytes32(average(a0), average(a1), average(a2), average(a3), signed: signed),
                      toByteOffset: c, as: __m256i.self)
  }
  @inline(__always) func step8(_ c: Int) {
    var a = _mm256_setzero_si256()
    taps.forEach { a = _mm256_add_epi32(a, widen8($0 + c, signed: signed)) }
    output.storeBytes(of: q.bytes8(average(a), signed: signed), toByteOffset: c, as: Int64.self)
  }
  var c = 0
  while c &+ 32 <= channels {
    step32(c)
    c &+= 32
  }
  while c &+ 8 <= channels {
    step8(c)
    c &+= 8
  }
  if c == channels { return }
  if channels >= 8 {
    step8(channels &- 8)
    return
  }
  for c in 0..<channels {
    var acc: Int32 = 0
    taps.forEach { acc &+= signed ? Int32($0.load(fromByteOffset: c, as: Int8.self)) : Int32($0.load(fromByteOffset: c, as: UInt8.self)) }
    let y = quantization.quantize(Float(acc &+ offset) * multiplier)
    output.storeBytes(of: UInt8(truncatingIfNeeded: y), toByteOffset: c, as: UInt8.self)
  }
}
