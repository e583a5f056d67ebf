import XCTest
@testable import QNNPACKSwift

/// A small convolution description for the C ABI, with a direct reference.
struct ConvolutionCase {
  var groups = 1, groupInputChannels = 3, groupOutputChannels = 5
  var kernel = (3, 3), stride = (1, 1), dilation = (1, 1), padding = (1, 1, 1, 1)
  var inputZeroPoint: Int32 = 128, weightZeroPoint: Int32 = 0
  var outputZeroPoint: Int32 = 120, outputMin: Int32 = 0, outputMax: Int32 = 255
  var inputScale: Float = 0.02, weightScale: Float = 0.01, outputScale: Float = 0.05
  var weights: [Int8] = []
  var bias: [Int32] = []

  var outputChannels: Int { groups * groupOutputChannels }
  var inputChannels: Int { groups * groupInputChannels }

  mutating func randomize(_ rng: inout SeededGenerator) {
    weights = (0..<(outputChannels * kernel.0 * kernel.1 * groupInputChannels)).map { _ in Int8.random(in: -128...127, using: &rng) }
    bias = (0..<outputChannels).map { _ in Int32.random(in: -1000...1000, using: &rng) }
  }

  func create(weightScales: [Float]? = nil, weightZeroPoints: [Int32]? = nil, nullWeights: Bool = false,
              into op: inout OpaquePointer?) -> Int32 {
    let scales = weightScales ?? Array(repeating: weightScale, count: max(outputChannels, 0))
    let zps = weightZeroPoints ?? Array(repeating: weightZeroPoint, count: max(outputChannels, 0))
    return weights.withUnsafeBytes { w in
      qnnps_convolution2d_nhwc_create(
        0, 1, groups, groupInputChannels, groupOutputChannels, kernel.0, kernel.1, stride.0, stride.1,
        dilation.0, dilation.1, padding.0, padding.1, padding.2, padding.3, inputScale, inputZeroPoint,
        nullWeights ? nil : w.baseAddress, scales, zps, bias, outputScale, outputZeroPoint, outputMin, outputMax, &op)
    }
  }

  func reference(_ x: [UInt8], batch: Int, height: Int, width: Int) -> [UInt8] {
    let oh = (height + padding.0 + padding.2 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1
    let ow = (width + padding.1 + padding.3 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1
    let multiplier = (inputScale * weightScale) / outputScale
    var y = [UInt8]()
    for n in 0..<batch {
      for oy in 0..<oh {
        for ox in 0..<ow {
          for oc in 0..<outputChannels {
            let g = oc / groupOutputChannels
            var acc = Int64(bias[oc])
            for ky in 0..<kernel.0 {
              for kx in 0..<kernel.1 {
                let iy = oy * stride.0 - padding.0 + ky * dilation.0
                let ix = ox * stride.1 - padding.1 + kx * dilation.1
                if iy < 0 || iy >= height || ix < 0 || ix >= width { continue }
                for ic in 0..<groupInputChannels {
                  let xv = Int64(x[((n * height + iy) * width + ix) * inputChannels + g * groupInputChannels + ic]) - Int64(inputZeroPoint)
                  let wv = Int64(weights[((oc * kernel.0 + ky) * kernel.1 + kx) * groupInputChannels + ic]) - Int64(weightZeroPoint)
                  acc += xv * wv
                }
              }
            }
            y.append(UInt8(referenceRequantize(acc, multiplier: multiplier, zeroPoint: outputZeroPoint,
                                               lo: outputMin, hi: outputMax)))
          }
        }
      }
    }
    return y
  }
}

final class ConvolutionABITests: XCTestCase {
  func testConvolutionsMatchReferenceOnEveryISA() throws {
    var rng = SeededGenerator(seed: 4)
    var cases: [ConvolutionCase] = []
    for (groups, gic, goc) in [(1, 3, 5), (2, 4, 17), (6, 1, 1), (4, 1, 2), (1, 33, 16)] {
      for (kernel, stride, dilation) in [((3, 3), (1, 1), (1, 1)), ((1, 1), (2, 2), (1, 1)), ((5, 3), (2, 1), (2, 1))] {
        var c = ConvolutionCase()
        (c.groups, c.groupInputChannels, c.groupOutputChannels) = (groups, gic, goc)
        (c.kernel, c.stride, c.dilation) = (kernel, stride, dilation)
        c.weightZeroPoint = Int32.random(in: -5...5, using: &rng)
        c.randomize(&rng)
        cases.append(c)
      }
    }
    try forEachISA { isa in
      for c in cases {
        var op: OpaquePointer?
        XCTAssertEqual(c.create(into: &op), 0)
        defer { _ = qnnps_operator_delete(op) }
        let (batch, height, width) = (2, 9, 7)
        let x = (0..<(batch * height * width * c.inputChannels)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var oh = 0, ow = 0
        XCTAssertEqual(qnnps_convolution2d_nhwc_output_size(op, height, width, &oh, &ow), 0)
        var y = [UInt8](repeating: 0, count: batch * oh * ow * c.outputChannels)
        XCTAssertEqual(qnnps_convolution2d_nhwc_run(op, batch, height, width, x, &y), 0)
        XCTAssertEqual(y, c.reference(x, batch: batch, height: height, width: width), "\(isa) \(c)")
      }
    }
  }

  func testCreateRejectsBadParameters() {
    var base = ConvolutionCase()
    var rng = SeededGenerator(seed: 5)
    base.randomize(&rng)
    var op: OpaquePointer?
    XCTAssertEqual(base.create(nullWeights: true, into: &op), Status.invalidParameter.rawValue)
    XCTAssertEqual(base.create(weightScales: Array(repeating: 0, count: 5), into: &op), Status.invalidParameter.rawValue)
    XCTAssertEqual(base.create(weightScales: Array(repeating: .nan, count: 5), into: &op), Status.invalidParameter.rawValue)
    XCTAssertEqual(base.create(weightZeroPoints: Array(repeating: 200, count: 5), into: &op), Status.invalidParameter.rawValue)
    let mutations: [(inout ConvolutionCase) -> Void] = [
      { $0.groups = 0 }, { $0.groupInputChannels = 0 }, { $0.groupOutputChannels = -1 },
      { $0.kernel = (0, 3) }, { $0.stride = (1, 0) }, { $0.dilation = (-1, 1) }, { $0.padding = (-1, 0, 0, 0) },
      { $0.inputScale = -1 }, { $0.outputScale = .infinity }, { $0.inputZeroPoint = 256 },
      { $0.outputZeroPoint = -1 }, { $0.outputMin = 200; $0.outputMax = 100 }, { $0.outputMax = 300 },
      { $0.groupInputChannels = Int.max / 2 },
    ]
    for mutate in mutations {
      var c = base
      mutate(&c)
      // Resize the weights where the shape is sane; absurd shapes must fail before any read.
      if c.groups > 0, c.groupOutputChannels > 0, c.groupInputChannels > 0, c.groupInputChannels < 1 << 20,
         c.kernel.0 > 0, c.kernel.1 > 0 {
        c.randomize(&rng)
      }
      XCTAssertNotEqual(c.create(into: &op), 0, "\(c)")
    }
    XCTAssertEqual(qnnps_convolution2d_nhwc_create(0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, nil, nil, nil, nil, 1, 0, 0, 255, nil),
                   Status.invalidParameter.rawValue)
    // int8 activations take int8 weights only.
    XCTAssertEqual(qnnps_convolution2d_nhwc_create(1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, [UInt8(1)], [Float(1)], [Int32(0)], nil, 1, 0, -128, 127, &op),
                   Status.invalidParameter.rawValue)
  }

  func testRunRejectsBadInputs() {
    var c = ConvolutionCase()
    var rng = SeededGenerator(seed: 6)
    c.randomize(&rng)
    c.padding = (0, 0, 0, 0)
    var op: OpaquePointer?
    XCTAssertEqual(c.create(into: &op), 0)
    defer { _ = qnnps_operator_delete(op) }
    var oh = 0, ow = 0
    let x = [UInt8](repeating: 1, count: 3 * 3 * 3)
    var y = [UInt8](repeating: 0, count: 5)
    XCTAssertEqual(qnnps_convolution2d_nhwc_output_size(op, 2, 3, &oh, &ow), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_convolution2d_nhwc_output_size(nil, 3, 3, &oh, &ow), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_convolution2d_nhwc_run(op, 1, 3, 3, nil, &y), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_convolution2d_nhwc_run(op, 1, 3, 3, x, nil), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_convolution2d_nhwc_run(op, -1, 3, 3, x, &y), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_convolution2d_nhwc_run(op, 1, 0, 3, x, &y), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_convolution2d_nhwc_run(op, 1, Int.max, Int.max, x, &y), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_convolution2d_nhwc_run(op, 0, 3, 3, nil, nil), 0, "an empty batch is a no-op")
    XCTAssertEqual(qnnps_convolution2d_nhwc_run(op, 1, 3, 3, x, &y), 0)
    XCTAssertEqual(y, c.reference(x, batch: 1, height: 3, width: 3))
    // A fully connected operator is not a convolution and vice versa.
    XCTAssertEqual(qnnps_fully_connected_run(op, 1, x, &y), Status.invalidParameter.rawValue)
  }

  func testFullyConnectedMatchesOneByOneConvolution() throws {
    var rng = SeededGenerator(seed: 7)
    var c = ConvolutionCase()
    (c.groupInputChannels, c.groupOutputChannels, c.kernel, c.padding) = (37, 21, (1, 1), (0, 0, 0, 0))
    c.randomize(&rng)
    try forEachISA { _ in
      var fc: OpaquePointer?
      let status = c.weights.withUnsafeBytes { w in
        qnnps_fully_connected_create(0, 1, 37, 21, c.inputScale, c.inputZeroPoint, w.baseAddress,
                                     Array(repeating: c.weightScale, count: 21), Array(repeating: c.weightZeroPoint, count: 21),
                                     c.bias, c.outputScale, c.outputZeroPoint, c.outputMin, c.outputMax, &fc)
      }
      XCTAssertEqual(status, 0)
      defer { _ = qnnps_operator_delete(fc) }
      let x = (0..<(5 * 37)).map { _ in UInt8.random(in: 0...255, using: &rng) }
      var y = [UInt8](repeating: 0, count: 5 * 21)
      XCTAssertEqual(qnnps_fully_connected_run(fc, 5, x, &y), 0)
      XCTAssertEqual(y, c.reference(x, batch: 5, height: 1, width: 1))
      XCTAssertEqual(qnnps_convolution2d_nhwc_run(fc, 5, 1, 1, x, &y), Status.invalidParameter.rawValue)
    }
  }

  func testWideAccumulationIsExact() {
    // K·255² far beyond int32: the operator must take the 64-bit path, not wrap.
    let k = 70_000
    let w = [UInt8](repeating: 0, count: k)  // uint8 weights 0 with zero point 255 → w − zp = −255
    let x = [UInt8](repeating: 0, count: k)  // with zero point 255 → x − zp = −255
    var fc: OpaquePointer?
    XCTAssertEqual(qnnps_fully_connected_create(0, 0, k, 1, 1, 255, w, [Float(1)], [Int32(255)], nil,
                                                Float(1 << 30), 0, 0, 255, &fc), 0)
    defer { _ = qnnps_operator_delete(fc) }
    var y = [UInt8](repeating: 0, count: 1)
    XCTAssertEqual(qnnps_fully_connected_run(fc, 1, x, &y), 0)
    // acc = 70000 · 65025 = 4 551 750 000; y = acc / 2^30 ≈ 4.24 → 4.
    XCTAssertEqual(y, [UInt8(referenceRequantize(Int64(k) * 65025, multiplier: 1 / Float(1 << 30), zeroPoint: 0, lo: 0, hi: 255))])
    XCTAssertEqual(y, [4])
  }
}
