import _Builtin_intrinsics.intel

/// The Winograd F(2×4, 3×3) input transform `V = B₂ᵀ d B₄` of one 4×6 tile of int16 rows
/// (`x − x_zp`, |d| ≤ 255): F(2, 3) down the rows (`B₂ᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]`),
/// F(4, 3) along them (`B₄ᵀ = [[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],
/// [0,2,-1,-2,1,0],[0,4,0,-5,0,1]]`). Exact in int16: |V| ≤ 2·10·255. `pixels`: the tile's 24
/// rows, row-major (a zero row where the tile leaves the input); element `xi = 6i + k` of every
/// channel goes to `output + xi · planeStride`.
public func qs16Winograd2x4Input4x6AVX2(
  pixels: UnsafePointer<UnsafePointer<Int16>>, channels: Int, output: UnsafeMutablePointer<Int16>,
  planeStride: Int
) {
  winogradChannelVectors(
    channels, { transform(pixels, output, planeStride, $0, _mm256_add_epi16, _mm256_sub_epi16) },
    { transform(pixels, output, planeStride, $0, _mm_add_epi16, _mm_sub_epi16) },
    { transform(pixels, output, planeStride, $0, { (a: Int16, b: Int16) in a &+ b }, { $0 &- $1 }) })
}

/// One vector `V` of channels from `c` on: down the rows first (`B₂ᵀ d`), then along them.
@inline(__always)
private func transform<V>(
  _ pixels: UnsafePointer<UnsafePointer<Int16>>, _ output: UnsafeMutablePointer<Int16>, _ planeStride: Int,
  _ c: Int, _ add: (V, V) -> V, _ sub: (V, V) -> V
) {
  @inline(__always) func d(_ i: Int, _ j: Int) -> V { UnsafeRawPointer(pixels[6 &* i &+ j] + c).loadUnaligned(as: V.self) }
  @inline(__always) func store(_ xi: Int, _ v: V) {
    UnsafeMutableRawPointer(output + (xi &* planeStride &+ c)).storeBytes(of: v, as: V.self)
  }
  @inline(__always) func twice(_ v: V) -> V { add(v, v) }
  for i in 0..<4 {
    // Row i of B₂ᵀ d, column by column.
    @inline(__always) func t(_ j: Int) -> V {
      switch i {
      case 0: sub(d(0, j), d(2, j))
      case 1: add(d(1, j), d(2, j))
      case 2: sub(d(2, j), d(1, j))
      default: sub(d(1, j), d(3, j))
      }
    }
    let t0 = t(0), t1 = t(1), t2 = t(2), t3 = t(3), t4 = t(4), t5 = t(5)
    let xi = 6 &* i
    store(xi, add(sub(twice(twice(sub(t0, t2))), t2), t4))          // 4t0 − 5t2 + t4
    store(xi &+ 1, sub(add(t3, t4), twice(twice(add(t1, t2)))))     // −4t1 − 4t2 + t3 + t4
    store(xi &+ 2, add(sub(t4, t3), twice(twice(sub(t1, t2)))))     // 4t1 − 4t2 − t3 + t4
    store(xi &+ 3, add(sub(t4, t2), twice(sub(t3, t1))))            // −2t1 − t2 + 2t3 + t4
    store(xi &+ 4, sub(sub(t4, t2), twice(sub(t3, t1))))            // 2t1 − t2 − 2t3 + t4
    store(xi &+ 5, add(sub(twice(twice(sub(t1, t3))), t3), t5))     // 4t1 − 5t3 + t5
  }
}
