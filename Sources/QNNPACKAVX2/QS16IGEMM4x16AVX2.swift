import _Builtin_intrinsics.intel
import QNNPACKKernels

/// Indirect GEMM over int16 rows, `rows` rows (in tiles of 4) × 16 columns, with AVX2
/// `vpmaddwd`: each step broadcasts one int16 pair of a row and multiplies it with 16 columns' pairs. Exact as long
/// as the operator has checked that no sum leaves int32 (int16 × int16 pairs cannot saturate).
/// Same contract as `qs16IGEMM4x16Portable`; output is int8 when `signedOutput`, else uint8.
/// `narrowWeights`: the block holds int8 weights (`packWeightBlock(narrow: true)`).
public func qs16IGEMM4x16AVX2(
  rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
  block: UnsafeRawPointer, narrowWeights: Bool = false, output: UnsafeMutableRawPointer, outputStride: Int,
  quantization: OutputQuantization, signedOutput: Bool
) {
  let m = block + 64
  QuantizationVectors.specialized(quantization, signedOutput: signedOutput) { q in
    gemmRows(rows, taps, pairsPerTap, a, aOffset, block, narrowWeights, one: { r, acc0, acc1 in
      requantizeStore16(acc0, acc1, multiplier: m, q, columns: columns, signedOutput: signedOutput,
                        output: output + r &* outputStride)
    }, two: { r, a0, a1, b0, b1 in
      let out = output + r &* outputStride
      requantizeStore16x2(requantize16(a0, a1, multiplier: m, q), requantize16(b0, b1, multiplier: m, q), q,
                          columns: columns, signedOutput: signedOutput, output: out, out + outputStride)
    })
  }
}

/// Same GEMM with the float32 epilogue of `qs16IGEMM4x16PortableDequantized` (bit-identical:
/// `vcvtdq2ps` rounds to nearest like `Float(_:)`, and the products are single float32 ops).
public func qs16IGEMM4x16AVX2Dequantized(
  rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
  block: UnsafeRawPointer, narrowWeights: Bool = false, scale: Float, output: UnsafeMutablePointer<Float>,
  outputStride: Int
) {
  let s = _mm256_set1_ps(scale)
  let m0 = _mm256_mul_ps(s, (block + 64).loadUnaligned(as: __m256.self))
  let m1 = _mm256_mul_ps(s, (block + 96).loadUnaligned(as: __m256.self))
  @inline(__always) func store(_ r: Int, _ acc0: __m256i, _ acc1: __m256i) {
    var lanes = (_mm256_mul_ps(_mm256_cvtepi32_ps(acc0), m0), _mm256_mul_ps(_mm256_cvtepi32_ps(acc1), m1))
    withUnsafeBytes(of: &lanes) { bytes in
      let y = bytes.bindMemory(to: Float.self)
      let out = output + r &* outputStride
      for lane in 0..<PackedWeights.lanes {
        let c = PackedWeights.laneChannel[lane]
        if c < columns { out[c] = y[lane] }
      }
    }
  }
  gemmRows(rows, taps, pairsPerTap, a, aOffset, block, narrowWeights, one: store, two: { r, a0, a1, b0, b1 in
    store(r, a0, a1)
    store(r &+ 1, b0, b1)
  })
}

/// Same GEMM storing the raw int32 accumulators in lane order (16 per row, `outputStride`
/// int32 apart), for operators that transform them before requantizing (Winograd).
public func qs16IGEMM4x16AVX2Accumulators(
  rows: Int, taps: Int, pairsPerTap: Int, a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
  block: UnsafeRawPointer, output: UnsafeMutablePointer<Int32>, outputStride: Int
) {
  @inline(__always) func store(_ r: Int, _ acc0: __m256i, _ acc1: __m256i) {
    let out = UnsafeMutableRawPointer(output + r &* outputStride)
    out.storeBytes(of: acc0, as: __m256i.self)
    (out + 32).storeBytes(of: acc1, as: __m256i.self)
  }
  gemmRows(rows, taps, pairsPerTap, a, aOffset, block, false, one: store, two: { r, a0, a1, b0, b1 in
    store(r, a0, a1)
    store(r &+ 1, b0, b1)
  })
}

/// Stores one row's accumulators (lane order), or two consecutive rows' at once.
private typealias StoreRow = (Int, __m256i, __m256i) -> Void
private typealias StoreTwoRows = (Int, __m256i, __m256i, __m256i, __m256i) -> Void

/// Any number of rows in tiles of 4 (one call per task keeps the set-up out of the tiles); the
/// last 1–3 rows dispatch on their count so each tile shape compiles with constant row checks.
@inline(__always)
private func gemmRows(
  _ rows: Int, _ taps: Int, _ pairsPerTap: Int, _ a: UnsafePointer<UnsafePointer<Int16>>, _ aOffset: Int,
  _ block: UnsafeRawPointer, _ narrow: Bool, one: StoreRow, two: StoreTwoRows
) {
  if narrow {
    tiles(rows, taps, pairsPerTap, a, aOffset, block, true, one, two)
  } else {
    tiles(rows, taps, pairsPerTap, a, aOffset, block, false, one, two)
  }
}

@inline(__always)
private func tiles(
  _ rows: Int, _ taps: Int, _ pairsPerTap: Int, _ a: UnsafePointer<UnsafePointer<Int16>>, _ aOffset: Int,
  _ block: UnsafeRawPointer, _ narrow: Bool, _ one: StoreRow, _ two: StoreTwoRows
) {
  var r = 0
  while rows &- r >= 4 {
    gemmTile(4, taps, pairsPerTap, a + r &* taps, aOffset, block, narrow,
             { one(r &+ $0, $1, $2) }, { two(r &+ $0, $1, $2, $3, $4) })
    r &+= 4
  }
  let tail = a + r &* taps
  switch rows &- r {
  case 1: gemmTile(1, taps, pairsPerTap, tail, aOffset, block, narrow, { one(r &+ $0, $1, $2) }, { two(r &+ $0, $1, $2, $3, $4) })
  case 2: gemmTile(2, taps, pairsPerTap, tail, aOffset, block, narrow, { one(r &+ $0, $1, $2) }, { two(r &+ $0, $1, $2, $3, $4) })
  case 3: gemmTile(3, taps, pairsPerTap, tail, aOffset, block, narrow, { one(r &+ $0, $1, $2) }, { two(r &+ $0, $1, $2, $3, $4) })
  default: break
  }
}

/// Pair `p` of `row`, broadcast to every 32-bit lane (shared by the AVX2 GEMM kernels).
@inline(__always)
func broadcastPair(_ row: UnsafePointer<Int16>, _ p: Int) -> __m256i {
  _mm256_set1_epi32(UnsafeRawPointer(row + 2 &* p).loadUnaligned(as: Int32.self))
}

@inline(__always)
private func gemmTile(
  _ rows: Int, _ taps: Int, _ pairsPerTap: Int,
  _ a: UnsafePointer<UnsafePointer<Int16>>, _ aOffset: Int,
  _ block: UnsafeRawPointer, _ narrow: Bool, _ one: StoreRow, _ two: StoreTwoRows
) {
  let bias0 = block.loadUnaligned(as: __m256i.self)
  let bias1 = (block + 32).loadUnaligned(as: __m256i.self)
  var c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1
  var c20 = bias0, c21 = bias1, c30 = bias0, c31 = bias1
  var w = block + PackedWeights.headerBytes
  for t in 0..<taps {
    let a0 = a[t] + aOffset
    let a1 = rows > 1 ? a[taps &+ t] + aOffset : a0
    let a2 = rows > 2 ? a[2 &* taps &+ t] + aOffset : a0
    let a3 = rows > 3 ? a[3 &* taps &+ t] + aOffset : a0
    for p in 0..<pairsPerTap {
      // int8 weights are sign-extended here: half the bytes to stream.
      let b0 = narrow ? _mm256_cvtepi8_epi16(w.loadUnaligned(as: __m128i.self)) : w.loadUnaligned(as: __m256i.self)
      let b1 = narrow
        ? _mm256_cvtepi8_epi16((w + 16).loadUnaligned(as: __m128i.self)) : (w + 32).loadUnaligned(as: __m256i.self)
      let v0 = broadcastPair(a0, p)
      c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(v0, b0))
      c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(v0, b1))
      if rows > 1 {
        let v1 = broadcastPair(a1, p)
        c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(v1, b0))
        c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(v1, b1))
      }
      if rows > 2 {
        let v2 = broadcastPair(a2, p)
        c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(v2, b0))
        c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(v2, b1))
      }
      if rows > 3 {
        let v3 = broadcastPair(a3, p)
        c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(v3, b0))
        c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(v3, b1))
      }
      w += narrow ? PackedWeights.narrowPairBytes : PackedWeights.pairBytes
    }
  }
  if rows > 1 { two(0, c00, c01, c10, c11) } else { one(0, c00, c01) }
  if rows > 3 { two(2, c20, c21, c30, c31) } else if rows > 2 { one(2, c20, c21) }
}
