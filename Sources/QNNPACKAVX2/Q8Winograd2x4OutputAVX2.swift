import _Builtin_intrinsics.intel
import QNNPACKKernels

/// The Winograd F(2×4, 3×3) output transform of one tile and 16 channels, requantized:
/// `Y' = A₂ᵀ M A₄` (`A₂ᵀ = [[1,1,1,0],[0,1,-1,-1]]`, `A₄ᵀ = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],
/// [0,1,1,4,4,0],[0,1,-1,8,-8,1]]`) over the 24 int32 planes `M[xi]` (lane order,
/// `accumulators + xi · planeStride`, xi = 6i + k, from `qs16IGEMM4x16AVX2Accumulators` over
/// weights transformed with `2G₂` and `24G₄`), so `Y'` is 48× the convolution's sum, modulo 2³²
/// (the int32 arithmetic wraps; everything is linear). Times 3⁻¹ mod 2³² that is 16× the sum,
/// exact where the operator has checked that 16·255·Σ|w − w_zp| fits in int32; `>> 4` is then
/// the sum. `header` is a packed block's header (biases, multipliers, lane order); the first
/// `columns` channels of the `rows` (1–2) × `cols` (1–4) valid pixels are stored, `rowStride`
/// and `pixelStride` bytes apart. Same requantization as `qs16IGEMM4x16AVX2`.
public func q8Winograd2x4OutputAVX2(
  accumulators: UnsafePointer<Int32>, planeStride: Int, header: UnsafeRawPointer,
  quantization: OutputQuantization, signedOutput: Bool, columns: Int,
  output: UnsafeMutableRawPointer, rowStride: Int, pixelStride: Int, rows: Int, cols: Int
) {
  let q = QuantizationVectors(quantization)
  let m = header + 64
  let low = transform(accumulators, planeStride, header, 0)
  let high = transform(accumulators, planeStride, header, 8)
  for y in 0..<rows {
    let out = output + y &* rowStride
    @inline(__always) func pixel(_ x: Int) -> __m256i {
      requantize16(low[4 &* y &+ x], high[4 &* y &+ x], multiplier: m, q)
    }
    var x = 0
    while cols &- x >= 2 {
      requantizeStore16x2(pixel(x), pixel(x &+ 1), q, columns: columns, signedOutput: signedOutput,
                          output: out + x &* pixelStride, out + (x &+ 1) &* pixelStride)
      x &+= 2
    }
    if x < cols {
      requantizeStore16(low[4 &* y &+ x], high[4 &* y &+ x], multiplier: m, q, columns: columns,
                        signedOutput: signedOutput, output: out + x &* pixelStride)
    }
  }
}

/// Eight lanes from `lane` on: the eight sums (row-major) plus the bias.
@inline(__always)
private func transform(
  _ accumulators: UnsafePointer<Int32>, _ planeStride: Int, _ header: UnsafeRawPointer, _ lane: Int
) -> SIMD8Rows {
  @inline(__always) func m(_ i: Int, _ k: Int) -> __m256i {
    UnsafeRawPointer(accumulators + ((6 &* i &+ k) &* planeStride &+ lane)).loadUnaligned(as: __m256i.self)
  }
  @inline(__always) func add(_ a: __m256i, _ b: __m256i) -> __m256i { _mm256_add_epi32(a, b) }
  @inline(__always) func sub(_ a: __m256i, _ b: __m256i) -> __m256i { _mm256_sub_epi32(a, b) }
  // Row i of M A₄.
  @inline(__always) func row(_ i: Int) -> (__m256i, __m256i, __m256i, __m256i) {
    let p = add(m(i, 1), m(i, 2)), q = sub(m(i, 1), m(i, 2))
    let r = add(m(i, 3), m(i, 4)), s = sub(m(i, 3), m(i, 4))
    return (add(add(m(i, 0), p), r), add(q, _mm256_slli_epi32(s, 1)), add(p, _mm256_slli_epi32(r, 2)),
            add(add(q, _mm256_slli_epi32(s, 3)), m(i, 5)))
  }
  let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
  let bias = (header + 4 &* lane).loadUnaligned(as: __m256i.self)
  let inverse3 = _mm256_set1_epi32(Int32(bitPattern: 0xAAAA_AAAB))
  @inline(__always) func finish(_ y: __m256i) -> __m256i {
    add(_mm256_srai_epi32(_mm256_mullo_epi32(y, inverse3), 4), bias)
  }
  @inline(__always) func top(_ a: __m256i, _ b: __m256i, _ c: __m256i) -> __m256i { finish(add(add(a, b), c)) }
  @inline(__always) func bottom(_ b: __m256i, _ c: __m256i, _ d: __m256i) -> __m256i { finish(sub(sub(b, c), d)) }
  return SIMD8Rows(
    top(r0.0, r1.0, r2.0), top(r0.1, r1.1, r2.1), top(r0.2, r1.2, r2.2), top(r0.3, r1.3, r2.3),
    bottom(r1.0, r2.0, r3.0), bottom(r1.1, r2.1, r3.1), bottom(r1.2, r2.2, r3.2), bottom(r1.3, r2.3, r3.3))
}

/// Eight vectors of a tile's 2×4 pixels, row-major.
private struct SIMD8Rows {
  let v: (__m256i, __m256i, __m256i, __m256i, __m256i, __m256i, __m256i, __m256i)

  @inline(__always)
  init(_ a: __m256i, _ b: __m256i, _ c: __m256i, _ d: __m256i, _ e: __m256i, _ f: __m256i, _ g: __m256i,
       _ h: __m256i) {
    v = (a, b, c, d, e, f, g, h)
  }

  @inline(__always)
  subscript(_ i: Int) -> __m256i {
    switch i {
    case 0: v.0
    case 1: v.1
    case 2: v.2
    case 3: v.3
    case 4: v.4
    case 5: v.5
    case 6: v.6
    default: v.7
    }
  }
}
