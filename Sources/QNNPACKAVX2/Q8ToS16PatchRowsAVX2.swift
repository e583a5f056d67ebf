import _Builtin_intrinsics.intel

/// im2col rows straight from NHWC activations (int8 when `signed`, else uint8): output pixels
/// `first..<first + count` (over all images, `outputHeight × outputWidth` per image) each get
/// the `kernelHeight × kernelWidth × channels` values `x − zeroPoint` of their window, 0 where
/// it leaves the input, at `rows + i·stride`, then 0 up to a whole pair. Windows are one pixel
/// wide per tap (no horizontal dilation), so a kernel row's `kernelWidth × channels` values
/// (8…16) are contiguous input bytes: one 16-byte load widens them where the kernel row lies
/// inside the input (`inputBytes` bounds the loads); the spill past them is overwritten by the
/// next kernel row or the next output row, and the call's last row stores exactly its values.
/// Same rows as `PatchRows`' copies from `S16Rows`, without the int16 pass over the input.
/// Output rows go in runs: the columns whose windows lie inside (bounds worked out once per
/// run) take a loop of loads and stores alone, the edges the general code (224²×3 → 112²×32
/// s2, 3×3: ~20 → ~10 cycles a row, the convolution 290 → 248 µs).
public func q8ToS16PatchRowsAVX2(
  _ input: UnsafeRawPointer, inputBytes: Int, signed: Bool, height: Int, width: Int, channels: Int,
  kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, dilationHeight: Int,
  padTop: Int, padLeft: Int, outputHeight: Int, outputWidth: Int, zeroPoint: Int32,
  first: Int, count: Int, rows: UnsafeMutablePointer<Int16>, stride: Int
) {
  // 3×3 windows (first layers) with the kernel-row loop unrolled.
  switch (signed, kernelHeight) {
  case (false, 3):
    patchRows(false, input, inputBytes, height, width, channels, 3, kernelWidth, strideHeight, strideWidth,
              dilationHeight, padTop, padLeft, outputHeight, outputWidth, zeroPoint, first, count, rows, stride)
  case (true, 3):
    patchRows(true, input, inputBytes, height, width, channels, 3, kernelWidth, strideHeight, strideWidth,
              dilationHeight, padTop, padLeft, outputHeight, outputWidth, zeroPoint, first, count, rows, stride)
  case (false, _):
    patchRows(false, input, inputBytes, height, width, channels, kernelHeight, kernelWidth, strideHeight,
              strideWidth, dilationHeight, padTop, padLeft, outputHeight, outputWidth, zeroPoint, first, count, rows,
              stride)
  case (true, _):
    patchRows(true, input, inputBytes, height, width, channels, kernelHeight, kernelWidth, strideHeight,
              strideWidth, dilationHeight, padTop, padLeft, outputHeight, outputWidth, zeroPoint, first, count, rows,
              stride)
  }
}

@inline(__always)
private func patchRows(
  _ signed: Bool, _ input: UnsafeRawPointer, _ inputBytes: Int, _ height: Int, _ width: Int, _ channels: Int,
  _ kernelHeight: Int, _ kernelWidth: Int, _ strideHeight: Int, _ strideWidth: Int, _ dilationHeight: Int,
  _ padTop: Int, _ padLeft: Int, _ outputHeight: Int, _ outputWidth: Int, _ zeroPoint: Int32,
  _ first: Int, _ count: Int, _ rows: UnsafeMutablePointer<Int16>, _ stride: Int
) {
  let span = kernelWidth &* channels
  let values = kernelHeight &* span
  let zp16 = Int16(truncatingIfNeeded: zeroPoint)
  let zp = _mm256_set1_epi16(zp16)
  let imageBytes = height &* width &* channels
  let lastRow = kernelHeight &- 1, rowStep = dilationHeight &* width &* channels
  let (n, p) = first.quotientAndRemainder(dividingBy: outputHeight &* outputWidth)
  var (oy, ox) = p.quotientAndRemainder(dividingBy: outputWidth)
  var image = n &* imageBytes
  @inline(__always) func widened(_ offset: Int) -> __m256i {
    _mm256_sub_epi16(widen16(input + offset, signed: signed), zp)
  }
  /// Kernel rows 0..<lastRow of the window at `offset` into `d`, each spilling into the next.
  @inline(__always) func upperRows(_ offset: Int, _ d: UnsafeMutableRawPointer) {
    for ky in 0..<lastRow {
      (d + ky &* 2 &* span).storeBytes(of: widened(offset &+ ky &* rowStep), as: __m256i.self)
    }
  }
  // Output columns whose windows lie inside the input rows horizontally: ix0 = x·sw − padLeft
  // in 0...width − kernelWidth.
  let insideFrom = (padLeft &+ strideWidth &- 1) / strideWidth
  let insideTo = width >= kernelWidth ? (width &- kernelWidth &+ padLeft) / strideWidth &+ 1 : 0
  var i = 0
  while i < count {
    let end = min(outputWidth, ox &+ (count &- i))  // this output row's pixels in the call
    let iy0 = oy &* strideHeight &- padTop
    let rowsInside = iy0 >= 0 && iy0 &+ lastRow &* dilationHeight < height
    let rowStart = image &+ (iy0 &* width &- padLeft) &* channels
    var x = ox
    while x < end {
      var offset = rowStart &+ x &* strideWidth &* channels
      if rowsInside && x >= insideFrom && x < insideTo {
        // Windows inside the input, but the call's last row: 16-byte loads, each kernel row's
        // spill overwritten by the next one or by the next output row.
        let stop = min(insideTo, end, x &+ (count &- 1 &- i))
        var d = UnsafeMutableRawPointer(rows + i &* stride)
        while x < stop && offset &+ lastRow &* rowStep &+ 16 <= inputBytes {
          upperRows(offset, d)
          (d + lastRow &* 2 &* span).storeBytes(of: widened(offset &+ lastRow &* rowStep), as: __m256i.self)
          if values & 1 != 0 { (d + 2 &* values).storeBytes(of: Int16(0), as: Int16.self) }
          offset &+= strideWidth &* channels
          d += 2 &* stride
          x &+= 1
          i &+= 1
        }
        if x == end { break }
      }
      let dst = rows + i &* stride
      let ix0 = x &* strideWidth &- padLeft
      if rowsInside && ix0 >= 0 && ix0 &+ kernelWidth <= width && offset &+ lastRow &* rowStep &+ 16 <= inputBytes {
        // The call's last row: exactly its values (the next row may be another thread's).
        upperRows(offset, UnsafeMutableRawPointer(dst))
        let v = widened(offset &+ lastRow &* rowStep)
        let tail = dst + lastRow &* span
        UnsafeMutableRawPointer(tail).storeBytes(of: _mm256_castsi256_si128(v), as: __m128i.self)
        for j in 8..<span { tail[j] = Int16(truncatingIfNeeded: v[(j &- 8) / 4 &+ 2] >> (16 &* ((j &- 8) % 4))) }
      } else {
        for ky in 0..<kernelHeight {
          let iy = iy0 &+ ky &* dilationHeight
          for kx in 0..<kernelWidth {
            let ix = ix0 &+ kx
            let inside = iy >= 0 && iy < height && ix >= 0 && ix < width
            let source = input + (image &+ (iy &* width &+ ix) &* channels)
            for c in 0..<channels {
              let byte = inside ? source.load(fromByteOffset: c, as: UInt8.self) : 0
              let value = signed ? Int16(Int8(bitPattern: byte)) : Int16(byte)
              dst[ky &* span &+ kx &* channels &+ c] = inside ? value &- zp16 : 0
            }
          }
        }
      }
      if values & 1 != 0 { dst[values] = 0 }
      x &+= 1
      i &+= 1
    }
    ox = 0
    oy &+= 1
    if oy == outputHeight {
      oy = 0
      image &+= imageBytes
    }
  }
}
