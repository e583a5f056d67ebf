import _Builtin_intrinsics.intel

/// Channel shuffle with three groups (`x8ChannelShuffle`'s contract), as it turns an RGB image
/// to channels-last: per 16 columns, three 16-byte loads become 48 interleaved bytes through
/// nine `vpshufb`s. Columns left over go one at a time.
public func x8Interleave3AVX2(
  rows: Int, groupChannels: Int, columns: Range<Int>, input: UnsafePointer<UInt8>,
  output: UnsafeMutablePointer<UInt8>
) {
  // mask[k][c]: where output vector k's bytes come from in group c's 16 bytes (-1: not c's).
  @inline(__always) func mask(_ k: Int, _ c: Int) -> __m128i {
    var bytes = (0 as Int64, 0 as Int64)
    withUnsafeMutableBytes(of: &bytes) { b in
      for i in 0..<16 {
        let p = 16 &* k &+ i
        b[i] = p % 3 == c ? UInt8(p / 3) : 0x80
      }
    }
    return __m128i(bytes.0, bytes.1)
  }
  let m00 = mask(0, 0), m01 = mask(0, 1), m02 = mask(0, 2)
  let m10 = mask(1, 0), m11 = mask(1, 1), m12 = mask(1, 2)
  let m20 = mask(2, 0), m21 = mask(2, 1), m22 = mask(2, 2)
  let channels = 3 &* groupChannels
  for r in 0..<rows {
    let x = input + r &* channels, y = output + r &* channels
    var j = columns.lowerBound
    while columns.upperBound &- j >= 16 {
      let a = UnsafeRawPointer(x + j).loadUnaligned(as: __m128i.self)
      let b = UnsafeRawPointer(x + (groupChannels &+ j)).loadUnaligned(as: __m128i.self)
      let c = UnsafeRawPointer(x + (2 &* groupChannels &+ j)).loadUnaligned(as: __m128i.self)
      let out = UnsafeMutableRawPointer(y + 3 &* j)
      @inline(__always) func part(_ ma: __m128i, _ mb: __m128i, _ mc: __m128i) -> __m128i {
        _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, ma), _mm_shuffle_epi8(b, mb)), _mm_shuffle_epi8(c, mc))
      }
      out.storeBytes(of: part(m00, m01, m02), as: __m128i.self)
      (out + 16).storeBytes(of: part(m10, m11, m12), as: __m128i.self)
      (out + 32).storeBytes(of: part(m20, m21, m22), as: __m128i.self)
      j &+= 16
    }
    while j < columns.upperBound {
      y[3 &* j] = x[j]
      y[3 &* j &+ 1] = x[groupChannels &+ j]
      y[3 &* j &+ 2] = x[2 &* groupChannels &+ j]
      j &+= 1
    }
  }
}
