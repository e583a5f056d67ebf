import XCTest
@testable import QNNPACKSwift

/// Where a sum could leave int32 the operators switch to 64-bit accumulation: the bound
/// decides exactly at 2^31 − 1, for the whole operator when any one channel needs it.
final class AccumulationTests: XCTestCase {
  func testGEMMKernelChoiceFollowsTheInt32Bound() throws {
    try XCTSkipUnless(avx2Available, "the int32 kernels are the AVX2 family")
    let k = 1000
    let x = [UInt8](repeating: 255, count: k)       // x - 0 = 255
    let w = [Int8](repeating: 127, count: 3 * k)    // w - (-128) = 255
    let sum = Int32(255 * 255 * k)
    let fits = Int32.max - sum                       // |bias| + 255 * 255 * k = 2^31 - 1
    let cases: [([Int32], ISA)] = [
      ([fits], .avx2), ([fits + 1], .portable), ([-fits], .avx2), ([Int32.min], .portable),
      ([0, fits, fits + 1], .portable),  // one channel beyond int32: all take the 64-bit path
    ]
    try forEachISA { family in
      for (bias, expected) in cases {
        let n = bias.count
        var op: OpaquePointer?
        XCTAssertEqual(qnnps_fully_connected_create(0, 1, k, n, 1, 0, w, [Float](repeating: 1, count: n),
                                                    [Int32](repeating: -128, count: n), bias, Float(1 << 24), 0, 0, 255, &op), 0)
        defer { _ = qnnps_operator_delete(op) }
        let conv = try operatorObject(op, as: FullyConnected.self).gemm
        XCTAssertEqual(conv.kernelISA, family == .portable ? .portable : expected, "bias \(bias) on \(family)")
        var y = [UInt8](repeating: 0, count: n)
        XCTAssertEqual(qnnps_fully_connected_run(op, 1, x, &y), 0)
        let want = bias.map {
          UInt8(referenceRequantize(Int64($0) + Int64(sum), multiplier: 1 / Float(1 << 24), zeroPoint: 0, lo: 0, hi: 255))
        }
        XCTAssertEqual(y, want, "bias \(bias) on \(family)")
      }
    }
  }

  func testAveragingSwitchesToInt64PastTheInt32Limit() throws {
    let limit = Int(Int32.max) / 255  // 8 421 504 taps of 255
    for (count, wide) in [(1, false), (limit, false), (limit + 1, true)] {
      let average = try Averaging(type: .uint8, inputScale: 1, inputZeroPoint: 0, outputScale: 1, outputZeroPoint: 0,
                                  outputMin: 0, outputMax: 255, maxCount: count)
      XCTAssertEqual(average.needsInt64, wide, "\(count) taps")
    }
  }
}
