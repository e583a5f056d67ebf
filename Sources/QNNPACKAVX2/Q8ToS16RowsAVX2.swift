import _Builtin_intrinsics.intel

/// `q8ToS16Rows` with AVX2, over `segments` = pixels × groups runs of `channels` bytes (int8
/// when `signed`, else uint8), each becoming `paddedChannels` (`channels` or `channels + 1`)
/// int16 `x − zero_point`. Odd runs are converted 16 elements at a time (runs shorter than 8
/// several at once) into the output, spilling into the next runs' room (rewritten after); the
/// last runs, where a spill or a 16-byte read would leave the arrays, go element by element.
public func q8ToS16RowsAVX2(
  _ input: UnsafeRawPointer, signed: Bool, segments: Int, channels: Int, paddedChannels: Int,
  zeroPoint: Int32, output: UnsafeMutablePointer<Int16>
) {
  if channels == paddedChannels {
    // Pairs already whole: one flat run, in a loop per signedness (inside `convertRuns`, which
    // then was not inlined, it tested `signed` every 16 values: ~40 % of the pass).
    if signed {
      convertFlat(input, true, segments &* channels, zeroPoint, output)
    } else {
      convertFlat(input, false, segments &* channels, zeroPoint, output)
    }
  } else if signed {
    convertRuns(input, true, segments, channels, paddedChannels, zeroPoint, output)
  } else {
    convertRuns(input, false, segments, channels, paddedChannels, zeroPoint, output)
  }
}

/// 16 values `x − zp` at `dst` (`zp`: the zero point in every int16 lane).
@inline(__always)
private func convert16(_ src: UnsafeRawPointer, _ signed: Bool, _ zp: __m256i, _ dst: UnsafeMutablePointer<Int16>) {
  UnsafeMutableRawPointer(dst).storeBytes(of: _mm256_sub_epi16(widen16(src, signed: signed), zp), as: __m256i.self)
}

/// Value `i` of `src` less `zp16`.
@inline(__always)
private func convert1(_ src: UnsafeRawPointer, _ signed: Bool, _ zp16: Int16, _ i: Int) -> Int16 {
  let byte = src.load(fromByteOffset: i, as: UInt8.self)
  return (signed ? Int16(Int8(bitPattern: byte)) : Int16(byte)) &- zp16
}

@inline(__always)
private func convertFlat(
  _ input: UnsafeRawPointer, _ signed: Bool, _ count: Int, _ zeroPoint: Int32, _ output: UnsafeMutablePointer<Int16>
) {
  let zp16 = Int16(truncatingIfNeeded: zeroPoint)
  let zp = _mm256_set1_epi16(zp16)
  var i = 0
  while i &+ 16 <= count {
    convert16(input + i, signed, zp, output + i)
    i &+= 16
  }
  while i < count {
    output[i] = convert1(input, signed, zp16, i)
    i &+= 1
  }
}

@inline(__always)
private func convertRuns(
  _ input: UnsafeRawPointer, _ signed: Bool, _ segments: Int, _ channels: Int, _ paddedChannels: Int,
  _ zeroPoint: Int32, _ output: UnsafeMutablePointer<Int16>
) {
  let zp16 = Int16(truncatingIfNeeded: zeroPoint)
  let zp = _mm256_set1_epi16(zp16)
  let inputLength = segments &* channels
  let outputLength = segments &* paddedChannels
  var s = 0
  var src = input
  var dst = output
  if channels < 8 {
    // Several short runs per step: a byte shuffle spaces them out (pad bytes zero) and the pad
    // lanes subtract 0, not the zero point.
    let perStep = 16 / paddedChannels
    var indices = [UInt8](repeating: 0x80, count: 16)
    var zeroPoints = [Int16](repeating: 0, count: 16)
    for j in 0..<perStep &* paddedChannels where j % paddedChannels < channels {
      indices[j] = UInt8(j / paddedChannels &* channels &+ j % paddedChannels)
      zeroPoints[j] = zp16
    }
    let shuffle = indices.withUnsafeBytes { $0.loadUnaligned(as: __m128i.self) }
    let zpLanes = zeroPoints.withUnsafeBytes { $0.loadUnaligned(as: __m256i.self) }
    let inputStep = perStep &* channels, outputStep = perStep &* paddedChannels
    while s &+ perStep <= segments && s &* channels &+ 16 <= inputLength && s &* paddedChannels &+ 16 <= outputLength {
      let bytes = _mm_shuffle_epi8(src.loadUnaligned(as: __m128i.self), shuffle)
      let wide = signed ? _mm256_cvtepi8_epi16(bytes) : _mm256_cvtepu8_epi16(bytes)
      UnsafeMutableRawPointer(dst).storeBytes(of: _mm256_sub_epi16(wide, zpLanes), as: __m256i.self)
      src += inputStep
      dst += outputStep
      s &+= perStep
    }
  }
  let span = (channels &+ 15) & ~15
  while s < segments && s &* channels &+ span <= inputLength && s &* paddedChannels &+ span <= outputLength {
    var i = 0
    while i < channels {
      convert16(src + i, signed, zp, dst + i)
      i &+= 16
    }
    dst[channels] = 0
    src += channels
    dst += paddedChannels
    s &+= 1
  }
  while s < segments {
    for c in 0..<channels { dst[c] = convert1(src, signed, zp16, c) }
    dst[channels] = 0
    src += channels
    dst += paddedChannels
    s &+= 1
  }
}
