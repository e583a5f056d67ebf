import XCTest
@testable import QNNPACKSwift

final class ElementwiseABITests: XCTestCase {
  func testAddBroadcastsAndMatchesReference() {
    var rng = SeededGenerator(seed: 8)
    let a = (0..<(2 * 3 * 4)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let b = (0..<4).map { _ in UInt8.random(in: 0...255, using: &rng) }  // broadcast over [2, 3, 4]
    var y = [UInt8](repeating: 0, count: a.count)
    XCTAssertEqual(qnnps_add_nd(0, 3, [2, 3, 4], a, [12, 4, 1], 0.5, 100, b, [0, 0, 1], 0.25, 3, 0.3, 50, 0, 255, &y), 0)
    let ma: Float = 0.5 / 0.3, mb: Float = 0.25 / 0.3
    for i in 0..<a.count {
      let v = ma * Float(Int32(a[i]) - 100) + mb * Float(Int32(b[i % 4]) - 3)
      let expected = min(max(Int32(v.rounded(.toNearestOrEven)) + 50, 0), 255)
      XCTAssertEqual(Int32(y[i]), expected, "element \(i)")
    }
    XCTAssertEqual(qnnps_add_nd(0, 0, [2], a, [1], 1, 0, b, [1], 1, 0, 1, 0, 0, 255, &y), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_add_nd(0, 1, [2], a, [1], 0, 0, b, [1], 1, 0, 1, 0, 0, 255, &y), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_add_nd(0, 1, [2], nil, [1], 1, 0, b, [1], 1, 0, 1, 0, 0, 255, &y), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_add_nd(0, 1, [0], nil, [1], 1, 0, nil, [1], 1, 0, 1, 0, 0, 255, nil), 0, "empty is a no-op")
  }

  func testPoolingMatchesReferenceAndRejectsBadWindows() {
    let x: [Int8] = (0..<(1 * 4 * 4 * 2)).map { Int8(truncatingIfNeeded: $0 * 37) }
    var y = [Int8](repeating: 0, count: 2 * 2 * 2)
    XCTAssertEqual(qnnps_max_pool2d_nhwc(1, 1, 4, 4, 2, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, -128, 127, x, &y), 0)
    for oy in 0..<2 {
      for ox in 0..<2 {
        for c in 0..<2 {
          let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map { x[((2 * oy + $0.0) * 4 + 2 * ox + $0.1) * 2 + c] }
          XCTAssertEqual(y[(oy * 2 + ox) * 2 + c], window.max()!)
        }
      }
    }
    // Padding over half the window, a window larger than the input, zero channels.
    XCTAssertEqual(qnnps_max_pool2d_nhwc(1, 1, 4, 4, 2, 2, 2, 2, 2, 1, 1, 2, 0, 0, 0, -128, 127, x, &y), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_max_pool2d_nhwc(1, 1, 4, 4, 2, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, -128, 127, x, &y), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_avg_pool2d_nhwc(1, 1, 4, 4, 0, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 0, 1, 0, -128, 127, x, &y), Status.invalidParameter.rawValue)

    var avg = [Int8](repeating: 0, count: 2)
    XCTAssertEqual(qnnps_global_avg_pool_nwc(1, 1, 16, 2, 0.5, -3, 0.25, 1, -128, 127, x, &avg), 0)
    for c in 0..<2 {
      let sum = (0..<16).reduce(Int32(0)) { $0 + Int32(x[$1 * 2 + c]) + 3 }
      let m: Float = 0.5 / (0.25 * 16)
      XCTAssertEqual(Int32(avg[c]), min(max(Int32((Float(sum) * m).rounded(.toNearestOrEven)) + 1, -128), 127))
    }
  }

  func testQuantizeDequantizeRequantizeClamp() {
    let x: [Float] = [-1000, -0.26, -0.25, 0, 0.25, 0.75, 1000, .nan, .infinity]
    var q = [UInt8](repeating: 0, count: x.count)
    XCTAssertEqual(qnnps_quantize(0, 1, 1, x.count, x, [0.5], [10], &q), 0)
    XCTAssertEqual(q, [0, 9, 10, 10, 10, 12, 255, 10, 255])  // rint(−0.5) = −0 and rint(1.5) = 2: half to even
    var f = [Float](repeating: 0, count: x.count)
    XCTAssertEqual(qnnps_dequantize(0, 1, 1, q.count, q, [0.5], [10], &f), 0)
    XCTAssertEqual(f, q.map { 0.5 * Float(Int32($0) - 10) })
    var r = [Int8](repeating: 0, count: q.count)
    XCTAssertEqual(qnnps_requantize(0, 1, q.count, 0.5, 10, 1.0, 0, -128, 127, q, &r), 0)
    XCTAssertEqual(r, q.map { Int8(clamping: Int32((Float(Int32($0) - 10) * 0.5).rounded(.toNearestOrEven))) })
    var c = [UInt8](repeating: 0, count: q.count)
    XCTAssertEqual(qnnps_clamp(0, q.count, 9, 12, q, &c), 0)
    XCTAssertEqual(c, q.map { min(max($0, 9), 12) })
    XCTAssertEqual(qnnps_clamp(0, q.count, 12, 9, q, &c), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_quantize(0, 1, 1, 1, x, [-1], [0], &q), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_quantize(1, 1, 1, 1, x, [1], [200], &q), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_quantize(2, 1, 1, 1, x, [1], [0], &q), Status.invalidParameter.rawValue)
  }

  func testRuntimeSettings() {
    XCTAssertEqual(qnnps_set_num_threads(0), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_set_num_threads(3), 0)
    XCTAssertEqual(qnnps_get_num_threads(), 3)
    XCTAssertEqual(qnnps_set_isa(99), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_set_isa(ISA.avx512vnni.rawValue), Status.unsupportedHardware.rawValue)
    XCTAssertEqual(qnnps_set_isa(ISA.portable.rawValue), 0)
    XCTAssertEqual(qnnps_get_isa(), ISA.portable.rawValue)
    XCTAssertEqual(qnnps_set_isa(qnnps_best_isa()), 0)
    XCTAssertEqual(String(cString: qnnps_isa_name(1)!), "avx2")
    XCTAssertNil(qnnps_isa_name(7))
    XCTAssertEqual(qnnps_operator_delete(nil), 0)
  }
}
