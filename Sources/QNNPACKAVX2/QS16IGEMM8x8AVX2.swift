import _Builtin_intrinsics.intel
import QNNPACKKernels

/// Indirect GEMM over int16 rows, `rows` rows (in tiles of 8) × one half block of up to 8
/// columns (`PackedWeights.halfLanes`), with AVX2 `vpmaddwd`: one accumulator per row, so a
/// group's last ≤ 8 columns cost half of `qs16IGEMM4x16AVX2`'s multiply-adds and a tile holds
/// twice its rows. Same arguments and exactness contract.
public func qs16IGEMM8x8AVX2(
  rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
  block: UnsafeRawPointer, narrowWeights: Bool = false, output: UnsafeMutableRawPointer, outputStride: Int,
  quantization: OutputQuantization, signedOutput: Bool
) {
  let q = QuantizationVectors(quantization)
  let m = (block + 64).loadUnaligned(as: __m256.self)
  halfRows(rows, taps, pairsPerTap, a, aOffset, block, narrowWeights) { r, count, c0, c1, c2, c3 in
    // Two packs give [r0 0…3, r1 0…3, r2 0…3, r3 0…3 | the same for 4…7]; the permute puts
    // each row's 8 bytes in order.
    let p01 = requantizePair(requantize8(c0, m, q), requantize8(c1, m, q), q)
    let p23 = requantizePair(requantize8(c2, m, q), requantize8(c3, m, q), q)
    let s8 = narrow(p01, p23, q, signedOutput: signedOutput)
    let bytes = _mm256_permutevar8x32_epi32(s8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
    for i in 0..<count {
      let out = output + (r &+ i) &* outputStride
      if columns == PackedWeights.halfLanes {
        out.storeBytes(of: bytes[i], as: Int64.self)
      } else {
        withUnsafeBytes(of: bytes[i]) { out.copyMemory(from: $0.baseAddress!, byteCount: columns) }
      }
    }
  }
}

/// Same GEMM with the float32 epilogue of `qs16IGEMM4x16AVX2Dequantized`.
public func qs16IGEMM8x8AVX2Dequantized(
  rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
  block: UnsafeRawPointer, narrowWeights: Bool = false, scale: Float, output: UnsafeMutablePointer<Float>,
  outputStride: Int
) {
  let m = _mm256_mul_ps(_mm256_set1_ps(scale), (block + 64).loadUnaligned(as: __m256.self))
  halfRows(rows, taps, pairsPerTap, a, aOffset, block, narrowWeights) { r, count, c0, c1, c2, c3 in
    @inline(__always) func store(_ i: Int, _ acc: __m256i) {
      let y = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), m)
      let out = UnsafeMutableRawPointer(output + (r &+ i) &* outputStride)
      if columns == PackedWeights.halfLanes {
        out.storeBytes(of: y, as: __m256.self)
      } else {
        withUnsafeBytes(of: y) { out.copyMemory(from: $0.baseAddress!, byteCount: 4 &* columns) }
      }
    }
    store(0, c0)
    if count > 1 { store(1, c1) }
    if count > 2 { store(2, c2) }
    if count > 3 { store(3, c3) }
  }
}

/// Stores `count` (1…4) rows' accumulators from row `r` on (channel order; unused ones repeat).
private typealias StoreFourRows = (_ r: Int, _ count: Int, __m256i, __m256i, __m256i, __m256i) -> Void

/// How a half block's pairs are read: int16 weights, or int8 ones (`narrowWeights`) widened.
/// A type rather than a flag, so each format gets its own loops.
private protocol HalfBlockWeights {
  /// Bytes of one pair: 8 lanes × 2 weights.
  static var pairBytes: Int { get }
  static func load(_ w: UnsafeRawPointer) -> __m256i
}

private enum Int16HalfBlock: HalfBlockWeights {
  static var pairBytes: Int { PackedWeights.pairBytes / 2 }
  @inline(__always) static func load(_ w: UnsafeRawPointer) -> __m256i { w.loadUnaligned(as: __m256i.self) }
}

private enum Int8HalfBlock: HalfBlockWeights {
  static var pairBytes: Int { PackedWeights.narrowPairBytes / 2 }
  @inline(__always) static func load(_ w: UnsafeRawPointer) -> __m256i {
    _mm256_cvtepi8_epi16(w.loadUnaligned(as: __m128i.self))
  }
}

/// Tiles of 8 rows, then one each of 4, 2 and 1 as the rest needs (constant row checks).
@inline(__always)
private func halfRows(
  _ rows: Int, _ taps: Int, _ pairsPerTap: Int, _ a: UnsafePointer<UnsafePointer<Int16>>, _ aOffset: Int,
  _ block: UnsafeRawPointer, _ narrow: Bool, _ store: StoreFourRows
) {
  if narrow {
    halfTiles(rows, taps, pairsPerTap, a, aOffset, block, Int8HalfBlock.self, store)
  } else {
    halfTiles(rows, taps, pairsPerTap, a, aOffset, block, Int16HalfBlock.self, store)
  }
}

@inline(__always)
private func halfTiles<W: HalfBlockWeights>(
  _ rows: Int, _ taps: Int, _ pairsPerTap: Int, _ a: UnsafePointer<UnsafePointer<Int16>>, _ aOffset: Int,
  _ block: UnsafeRawPointer, _ weights: W.Type, _ store: StoreFourRows
) {
  var r = 0
  while rows &- r >= 8 {
    halfTile(8, taps, pairsPerTap, a + r &* taps, aOffset, block, W.self) { store(r &+ $0, $1, $2, $3, $4, $5) }
    r &+= 8
  }
  let rest = rows &- r
  if rest & 4 != 0 {
    halfTile(4, taps, pairsPerTap, a + r &* taps, aOffset, block, W.self) { store(r &+ $0, $1, $2, $3, $4, $5) }
    r &+= 4
  }
  if rest & 2 != 0 {
    halfTile(2, taps, pairsPerTap, a + r &* taps, aOffset, block, W.self) { store(r &+ $0, $1, $2, $3, $4, $5) }
    r &+= 2
  }
  if rest & 1 != 0 {
    halfTile(1, taps, pairsPerTap, a + r &* taps, aOffset, block, W.self) { store(r &+ $0, $1, $2, $3, $4, $5) }
  }
}

@inline(__always)
private func halfTile<W: HalfBlockWeights>(
  _ rows: Int, _ taps: Int, _ pairsPerTap: Int, _ a: UnsafePointer<UnsafePointer<Int16>>, _ aOffset: Int,
  _ block: UnsafeRawPointer, _ weights: W.Type, _ store: StoreFourRows
) {
  let bias = block.loadUnaligned(as: __m256i.self)
  var c0 = bias, c1 = bias, c2 = bias, c3 = bias, c4 = bias, c5 = bias, c6 = bias, c7 = bias
  var w = block + PackedWeights.headerBytes
  for t in 0..<taps {
    let a0 = a[t] + aOffset
    let a1 = rows > 1 ? a[taps &+ t] + aOffset : a0
    let a2 = rows > 2 ? a[2 &* taps &+ t] + aOffset : a0
    let a3 = rows > 3 ? a[3 &* taps &+ t] + aOffset : a0
    let a4 = rows > 4 ? a[4 &* taps &+ t] + aOffset : a0
    let a5 = rows > 5 ? a[5 &* taps &+ t] + aOffset : a0
    let a6 = rows > 6 ? a[6 &* taps &+ t] + aOffset : a0
    let a7 = rows > 7 ? a[7 &* taps &+ t] + aOffset : a0
    for p in 0..<pairsPerTap {
      let b = W.load(w)
      c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(broadcastPair(a0, p), b))
      if rows > 1 { c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(broadcastPair(a1, p), b)) }
      if rows > 2 { c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(broadcastPair(a2, p), b)) }
      if rows > 3 { c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(broadcastPair(a3, p), b)) }
      if rows > 4 { c4 = _mm256_add_epi32(c4, _mm256_madd_epi16(broadcastPair(a4, p), b)) }
      if rows > 5 { c5 = _mm256_add_epi32(c5, _mm256_madd_epi16(broadcastPair(a5, p), b)) }
      if rows > 6 { c6 = _mm256_add_epi32(c6, _mm256_madd_epi16(broadcastPair(a6, p), b)) }
      if rows > 7 { c7 = _mm256_add_epi32(c7, _mm256_madd_epi16(broadcastPair(a7, p), b)) }
      w += W.pairBytes
    }
  }
  store(0, min(rows, 4), c0, c1, c2, c3)
  if rows > 4 { store(4, rows - 4, c4, c5, c6, c7) }
}
