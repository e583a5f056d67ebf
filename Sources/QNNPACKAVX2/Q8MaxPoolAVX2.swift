import _Builtin_intrinsics.intel

/// One output pixel of max pooling: the max of `lo` and of the `channels` bytes at each of
/// the window's `windowRows × windowColumns` taps (`first + r·rowStep + c·columnStep`; none
/// when the window is all padding), then min `hi`. 64 or 32 channels a step, the tail as one
/// overlapping step (16 or 8 wide below 32 channels, scalar below 8), so nothing past a
/// tap's channels is read. `signed`: int8 data, else uint8.
public func q8MaxPixelAVX2(
  signed: Bool, channels: Int, first: UnsafeRawPointer, windowRows: Int, rowStep: Int, windowColumns: Int,
  columnStep: Int, lo: Int32, hi: Int32, output: UnsafeMutableRawPointer
) {
  let taps = PoolTaps(first: first, rows: windowRows, rowStep: rowStep, columns: windowColumns, columnStep: columnStep)
  if signed {
    maxPixel(Int8Bytes.self, channels, taps, lo, hi, output)
  } else {
    maxPixel(UInt8Bytes.self, channels, taps, lo, hi, output)
  }
}

/// One output row of max pooling without width dilation: output pixel `ox` takes the window
/// columns `ox·strideWidth − padLeft + 0..<kernelWidth` inside `0..<inputWidth` of the
/// `windowRows` tap rows from `rowInput` (column 0 of the first valid row). One call per row
/// keeps the per-pixel work in this loop. `signed`: int8 data, else uint8.
public func q8MaxPoolRowAVX2(
  signed: Bool, channels: Int, outputWidth: Int, rowInput: UnsafeRawPointer, windowRows: Int, rowStep: Int,
  inputWidth: Int, kernelWidth: Int, strideWidth: Int, padLeft: Int, lo: Int32, hi: Int32,
  output: UnsafeMutableRawPointer
) {
  @inline(__always) func row<S: ByteSignedness>(_: S.Type) {
    var out = output
    for ox in 0..<outputWidth {
      let ix = ox &* strideWidth &- padLeft
      let skipped = Swift.max(0, -ix)
      let columns = Swift.max(0, Swift.min(kernelWidth, inputWidth &- ix) &- skipped)
      let taps = PoolTaps(first: rowInput + (ix &+ skipped) &* channels, rows: columns == 0 ? 0 : windowRows,
                          rowStep: rowStep, columns: columns, columnStep: channels)
      maxPixel(S.self, channels, taps, lo, hi, out)
      out += channels
    }
  }
  if signed { row(Int8Bytes.self) } else { row(UInt8Bytes.self) }
}

@inline(__always)
private func maxPixel<S: ByteSignedness>(
  _: S.Type, _ channels: Int, _ taps: PoolTaps, _ lo: Int32, _ hi: Int32, _ output: UnsafeMutableRawPointer
) {
  let signed = S.signed
  let lo32 = _mm256_set1_epi8(CChar(truncatingIfNeeded: lo)), hi32 = _mm256_set1_epi8(CChar(truncatingIfNeeded: hi))
  @inline(__always) func max32(_ x: __m256i, _ y: __m256i) -> __m256i {
    signed ? _mm256_max_epi8(x, y) : _mm256_max_epu8(x, y)
  }
  @inline(__always) func min32(_ x: __m256i, _ y: __m256i) -> __m256i {
    signed ? _mm256_min_epi8(x, y) : _mm256_min_epu8(x, y)
  }
  @inline(__always) func max16(_ x: __m128i, _ y: __m128i) -> __m128i {
    signed ? _mm_max_epi8(x, y) : _mm_max_epu8(x, y)
  }
  @inline(__always) func min16(_ x: __m128i, _ y: __m128i) -> __m128i {
    signed ? _mm_min_epi8(x, y) : _mm_min_epu8(x, y)
  }
  @inline(__always) func step32(_ c: Int) {
    var m = lo32
    taps.forEach { m = max32(m, $0.loadUnaligned(fromByteOffset: c, as: __m256i.self)) }
    output.storeBytes(of: min32(m, hi32), toByteOffset: c, as: __m256i.self)
  }
  // Two independent chains of maxima per pass over the taps.
  @inline(__always) func step64(_ c: Int) {
    var m0 = lo32, m1 = lo32
    taps.forEach {
      m0 = max32(m0, $0.loadUnaligned(fromByteOffset: c, as: __m256i.self))
      m1 = max32(m1, $0.loadUnaligned(fromByteOffset: c &+ 32, as: __m256i.self))
    }
    output.storeBytes(of: min32(m0, hi32), toByteOffset: c, as: __m256i.self)
    output.storeBytes(of: min32(m1, hi32), toByteOffset: c &+ 32, as: __m256i.self)
  }
  // The 16- and 8-wide steps share the 128-bit operations; `load` reads 16 or 8 bytes.
  @inline(__always) func step(_ c: Int, _ load: (UnsafeRawPointer) -> __m128i) -> __m128i {
    var m = _mm256_castsi256_si128(lo32)
    taps.forEach { m = max16(m, load($0 + c)) }
    return min16(m, _mm256_castsi256_si128(hi32))
  }
  @inline(__always) func step16(_ c: Int) {
    output.storeBytes(of: step(c) { $0.loadUnaligned(as: __m128i.self) }, toByteOffset: c, as: __m128i.self)
  }
  @inline(__always) func step8(_ c: Int) {
    let m = step(c) { _mm_cvtsi64_si128($0.loadUnaligned(as: Int64.self)) }
    output.storeBytes(of: _mm_cvtsi128_si64(m), toByteOffset: c, as: Int64.self)
  }
  var c = 0
  while c &+ 64 <= channels {
    step64(c)
    c &+= 64
  }
  while c &+ 32 <= channels {
    step32(c)
    c &+= 32
  }
  if c == channels { return }
  if channels >= 32 {
    step32(channels &- 32)
  } else if channels >= 16 {
    step16(0)
    step16(channels &- 16)
  } else if channels >= 8 {
    step8(0)
    step8(channels &- 8)
  } else {
    for c in 0..<channels {
      var m = lo
      taps.forEach { m = Swift.max(m, signed ? Int32($0.load(fromByteOffset: c, as: Int8.self))
                                              : Int32($0.load(fromByteOffset: c, as: UInt8.self))) }
      output.storeBytes(of: UInt8(truncatingIfNeeded: Swift.min(m, hi)), toByteOffset: c, as: UInt8.self)
    }
  }
}

/// The taps of a pooling window inside the input: a `rows × columns` rectangle of NHWC pixels
/// from `first` (padding never contributes, so the rest of the window is skipped).
struct PoolTaps {
  let first: UnsafeRawPointer
  let rows, rowStep, columns, columnStep: Int

  var count: Int { rows &* columns }

  @inline(__always)
  func forEach(_ body: (UnsafeRawPointer) -> Void) {
    var row = first
    for _ in 0..<rows {
      var p = row
      for _ in 0..<columns {
        body(p)
        p += columnStep
      }
      row += rowStep
    }
  }
}
