import _Builtin_intrinsics.intel

/// `output[i] = table[input[i]]`, 32 bytes per step with 16 `vpshufb` over the telescoped
/// sub-tables of `x8LookupTelescopedTables` (256 bytes). The tail goes through a local
/// 32-byte buffer, so nothing is read or written past either array.
public func x8LookupAVX2(
  count: Int, input: UnsafePointer<UInt8>, tables: UnsafeRawPointer, output: UnsafeMutablePointer<UInt8>
) {
  // Sub-table k in both lanes, loaded where used (a per-call array cost more than a short row).
  @inline(__always) func t(_ k: Int) -> __m256i {
    _mm256_broadcastsi128_si256((tables + 16 &* k).loadUnaligned(as: __m128i.self))
  }
  let sixteen = _mm256_set1_epi8(16)
  @inline(__always) func lookup(_ v: __m256i) -> __m256i {
    var x = v
    var y = _mm256_shuffle_epi8(t(0), x)
    for k in 1...8 {
      x = _mm256_sub_epi8(x, sixteen)
      y = _mm256_xor_si256(y, _mm256_shuffle_epi8(t(k), x))
    }
    for k in 9...15 {
      x = _mm256_subs_epi8(x, sixteen)
      y = _mm256_xor_si256(y, _mm256_shuffle_epi8(t(k), x))
    }
    return y
  }
  var i = 0
  while i &+ 32 <= count {
    let y = lookup(UnsafeRawPointer(input + i).loadUnaligned(as: __m256i.self))
    UnsafeMutableRawPointer(output + i).storeBytes(of: y, as: __m256i.self)
    i &+= 32
  }
  if i < count {
    var buffer = _mm256_setzero_si256()
    withUnsafeMutableBytes(of: &buffer) { $0.baseAddress!.copyMemory(from: input + i, byteCount: count &- i) }
    buffer = lookup(buffer)
    withUnsafeBytes(of: &buffer) { UnsafeMutableRawPointer(output + i).copyMemory(from: $0.baseAddress!, byteCount: count &- i) }
  }
}
