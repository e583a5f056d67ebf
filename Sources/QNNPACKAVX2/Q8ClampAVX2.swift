import _Builtin_intrinsics.intel

/// `y = min(max(x, lo), hi)` over a row, 32 bytes a step. `signed`: int8 data, else uint8.
public func q8ClampAVX2(
  signed: Bool, count: Int, input: UnsafeRawPointer, lo: Int32, hi: Int32, output: UnsafeMutableRawPointer
) {
  let lo = _mm256_set1_epi8(CChar(truncatingIfNeeded: lo)), hi = _mm256_set1_epi8(CChar(truncatingIfNeeded: hi))
  if signed {
    forEachBlock32(count: count, input, xSize: 1, input, ySize: 0, output, outputSize: 1) { x, _, out in
      out.storeBytes(of: _mm256_min_epi8(_mm256_max_epi8(x.loadUnaligned(as: __m256i.self), lo), hi), as: __m256i.self)
    }
  } else {
    forEachBlock32(count: count, input, xSize: 1, input, ySize: 0, output, outputSize: 1) { x, _, out in
      out.storeBytes(of: _mm256_min_epu8(_mm256_max_epu8(x.loadUnaligned(as: __m256i.self), lo), hi), as: __m256i.self)
    }
  }
}
