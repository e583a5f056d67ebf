import _Builtin_intrinsics.intel

/// The Winograd F(2×2, 3×3) input transform `V = Bᵀ d B` of one 4×4 tile of int16 rows
/// (`x − x_zp`, |d| ≤ 255), `Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]`: exact in int16
/// (|V| ≤ 4·255). `pixels`: the tile's 16 rows, row-major (a zero row where the tile leaves the
/// input); element `xi = 4i + j` of every channel goes to `output + xi · planeStride`.
public func qs16Winograd2x2Input4x4AVX2(
  pixels: UnsafePointer<UnsafePointer<Int16>>, channels: Int, output: UnsafeMutablePointer<Int16>,
  planeStride: Int
) {
  winogradChannelVectors(
    channels, { transform(pixels, output, planeStride, $0, _mm256_add_epi16, _mm256_sub_epi16) },
    { transform(pixels, output, planeStride, $0, _mm_add_epi16, _mm_sub_epi16) },
    { transform(pixels, output, planeStride, $0, { (a: Int16, b: Int16) in a &+ b }, { $0 &- $1 }) })
}

/// The Winograd input transforms' channel loop: `wide(c)` for 16 channels from `c`, then
/// `half` for 8, then `one` per channel left.
@inline(__always)
func winogradChannelVectors(_ channels: Int, _ wide: (Int) -> Void, _ half: (Int) -> Void, _ one: (Int) -> Void) {
  var c = 0
  while channels &- c >= 16 {
    wide(c)
    c &+= 16
  }
  if channels &- c >= 8 {
    half(c)
    c &+= 8
  }
  while c < channels {
    one(c)
    c &+= 1
  }
}

/// One vector `V` of channels from `c` on: rows first (`Bᵀ d`), then columns.
@inline(__always)
private func transform<V>(
  _ pixels: UnsafePointer<UnsafePointer<Int16>>, _ output: UnsafeMutablePointer<Int16>, _ planeStride: Int,
  _ c: Int, _ add: (V, V) -> V, _ sub: (V, V) -> V
) {
  @inline(__always) func d(_ i: Int, _ j: Int) -> V { UnsafeRawPointer(pixels[4 &* i &+ j] + c).loadUnaligned(as: V.self) }
  @inline(__always) func store(_ xi: Int, _ v: V) {
    UnsafeMutableRawPointer(output + (xi &* planeStride &+ c)).storeBytes(of: v, as: V.self)
  }
  for i in 0..<4 {
    // Row i of Bᵀ d, column by column.
    @inline(__always) func row(_ j: Int) -> V {
      switch i {
      case 0: sub(d(0, j), d(2, j))
      case 1: add(d(1, j), d(2, j))
      case 2: sub(d(2, j), d(1, j))
      default: sub(d(1, j), d(3, j))
      }
    }
    let t0 = row(0), t1 = row(1), t2 = row(2), t3 = row(3)
    store(4 &* i, sub(t0, t2))
    store(4 &* i &+ 1, add(t1, t2))
    store(4 &* i &+ 2, sub(t2, t1))
    store(4 &* i &+ 3, sub(t1, t3))
  }
}
