import XCTest
@testable import QNNPACKSwift

// Every @_cdecl function of the C ABI, called with valid arguments (success) and with each
// bad one — NULL pointers, negative, zero and overflowing sizes, bad scales, zero points,
// clamps, dtype codes and windows — giving its status and writing nothing.

/// A change to a valid call's arguments and the status it must give.
struct BadArgument<Args> {
  let name: String
  let change: (inout Args) -> Void
  let status: Status
}

/// -1 (invalid), 0 and, unless `huge` is nil, Int.max for a size, with their statuses.
func sizeArguments<Args>(_ name: String, _ path: WritableKeyPath<Args, Int>, zero: Status,
                         huge: Status?) -> [BadArgument<Args>] {
  var bad = [BadArgument<Args>(name: "\(name) = -1", change: { $0[keyPath: path] = -1 }, status: .invalidParameter),
             BadArgument(name: "\(name) = 0", change: { $0[keyPath: path] = 0 }, status: zero)]
  if let huge {
    bad.append(BadArgument(name: "\(name) = Int.max", change: { $0[keyPath: path] = Int.max }, status: huge))
  }
  return bad
}

func nullArgument<Args, P>(_ name: String, _ path: WritableKeyPath<Args, P?>) -> BadArgument<Args> {
  BadArgument(name: "\(name) = NULL", change: { $0[keyPath: path] = nil }, status: .invalidParameter)
}

/// Non-positive and non-finite scales.
func scaleArguments<Args>(_ name: String, _ path: WritableKeyPath<Args, Float>) -> [BadArgument<Args>] {
  [0, -1, .nan, .infinity].map { v in
    BadArgument(name: "\(name) = \(v)", change: { $0[keyPath: path] = v }, status: .invalidParameter)
  }
}

/// Values just outside [qmin, qmax] of `type`, for a zero point or a clamp bound.
func rangeArguments<Args>(_ name: String, _ path: WritableKeyPath<Args, Int32>, _ type: DType) -> [BadArgument<Args>] {
  [type.qmin - 1, type.qmax + 1].map { v in
    BadArgument(name: "\(name) = \(v)", change: { $0[keyPath: path] = v }, status: .invalidParameter)
  }
}

func dtypeArguments<Args>(_ name: String, _ path: WritableKeyPath<Args, Int32>) -> [BadArgument<Args>] {
  [-1, 2].map { v in BadArgument(name: "\(name) = \(v)", change: { $0[keyPath: path] = v }, status: .invalidParameter) }
}

/// A scale pair whose requantization multiplier overflows float32.
func multiplierArgument<Args>(_ input: WritableKeyPath<Args, Float>, _ output: WritableKeyPath<Args, Float>) -> BadArgument<Args> {
  BadArgument(name: "a multiplier beyond float32", change: { $0[keyPath: input] = 1e30; $0[keyPath: output] = 1e-30 },
              status: .unsupportedParameter)
}

/// Bytes a call may write, filled with a sentinel so a failing call can be seen to write nothing.
final class OutputBuffer {
  let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 64)
  init() { reset() }
  deinit { bytes.deallocate() }
  func reset() { bytes.initializeMemory(as: UInt8.self, repeating: 0xA5) }
  var untouched: Bool { bytes.allSatisfy { $0 == 0xA5 } }
  var pointer: UnsafeMutableRawPointer { bytes.baseAddress! }
}

/// Calls `call` with `valid` (success) and with each bad argument (its status); a failing
/// call must leave `output` untouched.
func assertStatuses<Args>(
  _ function: String, _ valid: Args, _ bad: [BadArgument<Args>], output: OutputBuffer,
  file: StaticString = #filePath, line: UInt = #line, _ call: (Args) -> Int32
) {
  output.reset()
  XCTAssertEqual(call(valid), Status.success.rawValue, "\(function) with valid arguments", file: file, line: line)
  for b in bad {
    var args = valid
    b.change(&args)
    output.reset()
    XCTAssertEqual(call(args), b.status.rawValue, "\(function): \(b.name)", file: file, line: line)
    if b.status != .success {
      XCTAssertTrue(output.untouched, "\(function): \(b.name) wrote its output", file: file, line: line)
    }
  }
}

/// Constant inputs of the calls, alive for the whole test run.
func leaked<T>(_ values: [T]) -> UnsafePointer<T> {
  let p = UnsafeMutablePointer<T>.allocate(capacity: values.count)
  p.initialize(from: values, count: values.count)
  return UnsafePointer(p)
}
let abiBytes = UnsafeRawPointer(leaked((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
let abiFloats = leaked((0..<64).map { Float($0) - 20.5 })
let abiScales = leaked([Float](repeating: 0.01, count: 64))
let abiZeroPoints = leaked([Int32](repeating: 1, count: 64))
let abiNaNScales = leaked([Float(0.01), .nan, 0.01])
let abiBadZeroPoints = leaked([Int32(1), 256, 1])
/// Shapes and strides of the [3, 4] add: valid, then bad ones.
let abiAdd = (shape: leaked([3, 4]), aStrides: leaked([4, 1]), bStrides: leaked([0, 1]),
              negativeSize: leaked([3, -1]), negativeStride: leaked([-4, 1]), empty: leaked([0, 4]),
              overflowing: leaked([Int.max, 2]))

struct PoolArgs: WindowArgs {
  var dtype: Int32 = 0, batch = 1, height = 4, width = 4, channels = 2
  var kernelHeight = 2, kernelWidth = 2, strideHeight = 2, strideWidth = 2, dilationHeight = 1, dilationWidth = 1
  var padTop = 0, padLeft = 0, padBottom = 0, padRight = 0
  var inputScale: Float = 0.5, inputZeroPoint: Int32 = 3, outputScale: Float = 0.25, outputZeroPoint: Int32 = 7
  var outputMin: Int32 = 0, outputMax: Int32 = 255
  var input: UnsafeRawPointer? = abiBytes
  var output: UnsafeMutableRawPointer?
}

/// What max, average and global average pooling share: dtype, batch, channels, clamp, buffers.
func poolArguments() -> [BadArgument<PoolArgs>] {
  dtypeArguments("dtype", \PoolArgs.dtype)
    + sizeArguments("batch", \.batch, zero: .success, huge: .outOfMemory)
    + sizeArguments("channels", \.channels, zero: .invalidParameter, huge: .outOfMemory)
    + rangeArguments("output_min", \.outputMin, .uint8) + rangeArguments("output_max", \.outputMax, .uint8)
    + [BadArgument(name: "output_min > output_max", change: { $0.outputMin = 9; $0.outputMax = 8 }, status: .invalidParameter),
       nullArgument("input", \.input), nullArgument("output", \.output),
       BadArgument(name: "batch 0 with NULL buffers", change: { $0.batch = 0; $0.input = nil; $0.output = nil }, status: .success)]
}

/// The window parameters of convolution and pooling calls.
protocol WindowArgs {
  var kernelHeight: Int { get set }
  var kernelWidth: Int { get set }
  var strideHeight: Int { get set }
  var strideWidth: Int { get set }
  var dilationHeight: Int { get set }
  var dilationWidth: Int { get set }
  var padTop: Int { get set }
  var padLeft: Int { get set }
  var padBottom: Int { get set }
  var padRight: Int { get set }
}

/// Bad kernels, strides, dilations and paddings: a huge stride is valid (one output pixel),
/// a window whose extent overflows is not.
func windowArguments<Args: WindowArgs>(dilated: Bool) -> [BadArgument<Args>] {
  var bad = sizeArguments("kernel_height", \Args.kernelHeight, zero: .invalidParameter, huge: .invalidParameter)
    + sizeArguments("kernel_width", \.kernelWidth, zero: .invalidParameter, huge: .invalidParameter)
    + sizeArguments("stride_height", \.strideHeight, zero: .invalidParameter, huge: .success)
    + sizeArguments("stride_width", \.strideWidth, zero: .invalidParameter, huge: .success)
  for (name, path) in [("padding_top", \Args.padTop), ("padding_left", \.padLeft), ("padding_bottom", \.padBottom),
                       ("padding_right", \.padRight)] {
    bad += sizeArguments(name, path, zero: .success, huge: .invalidParameter)
  }
  if dilated {
    bad += sizeArguments("dilation_height", \.dilationHeight, zero: .invalidParameter, huge: .invalidParameter)
      + sizeArguments("dilation_width", \.dilationWidth, zero: .invalidParameter, huge: .invalidParameter)
  }
  return bad
}

/// Bad windows of max and average pooling, which also have an input size.
func poolWindowArguments(dilated: Bool) -> [BadArgument<PoolArgs>] {
  windowArguments(dilated: dilated)
    + sizeArguments("height", \PoolArgs.height, zero: .invalidParameter, huge: .invalidParameter)
    + sizeArguments("width", \.width, zero: .invalidParameter, huge: .invalidParameter)
    + [BadArgument(name: "padding over half the window", change: { $0.padLeft = 2 }, status: .invalidParameter),
       BadArgument(name: "a window larger than the input", change: { $0.kernelHeight = 5 }, status: .invalidParameter)]
}

func quantizationArguments<Args>(
  _ inputScale: WritableKeyPath<Args, Float>, _ inputZeroPoint: WritableKeyPath<Args, Int32>,
  _ outputScale: WritableKeyPath<Args, Float>, _ outputZeroPoint: WritableKeyPath<Args, Int32>, _ type: DType
) -> [BadArgument<Args>] {
  scaleArguments("input_scale", inputScale) + scaleArguments("output_scale", outputScale)
    + rangeArguments("input_zero_point", inputZeroPoint, type) + rangeArguments("output_zero_point", outputZeroPoint, type)
    + [multiplierArgument(inputScale, outputScale)]
}

struct ElementwiseArgs {
  var dtype: Int32 = 0, outputDtype: Int32 = 1, count = 32
  var inputScale: Float = 0.5, inputZeroPoint: Int32 = 3, outputScale: Float = 0.25, outputZeroPoint: Int32 = 7
  var outputMin: Int32 = -128, outputMax: Int32 = 127
  var input: UnsafeRawPointer? = abiBytes
  var output: UnsafeMutableRawPointer?
}

struct ChannelArgs {
  var dtype: Int32 = 0, outer = 2, channels = 3, inner = 4
  var scales: UnsafePointer<Float>? = abiScales
  var zeroPoints: UnsafePointer<Int32>? = abiZeroPoints
  var input = true
  var output: UnsafeMutableRawPointer?
}

struct ConvolutionArgs: WindowArgs {
  var inputDtype: Int32 = 0, weightDtype: Int32 = 1
  var groups = 2, groupInputChannels = 3, groupOutputChannels = 2
  var kernelHeight = 2, kernelWidth = 2, strideHeight = 1, strideWidth = 1, dilationHeight = 1, dilationWidth = 1
  var padTop = 0, padLeft = 0, padBottom = 0, padRight = 0
  var inputScale: Float = 0.5, inputZeroPoint: Int32 = 128
  var weights: UnsafeRawPointer? = abiBytes
  var weightScales: UnsafePointer<Float>? = abiScales
  var weightZeroPoints: UnsafePointer<Int32>? = abiZeroPoints
  var bias: UnsafePointer<Int32>? = abiZeroPoints
  var outputScale: Float = 0.25, outputZeroPoint: Int32 = 7, outputMin: Int32 = 0, outputMax: Int32 = 255
  var opOut = true

  /// `qnnps_convolution2d_nhwc_create`, or `qnnps_fully_connected_create` of K =
  /// group_input_channels, C_out = group_output_channels when `fullyConnected`.
  func make(fullyConnected: Bool) -> (status: Int32, op: OpaquePointer?) {
    var op: OpaquePointer?
    let status = withUnsafeMutablePointer(to: &op) { out in
      let opOut = self.opOut ? out : nil
      return fullyConnected
        ? qnnps_fully_connected_create(
          inputDtype, weightDtype, groupInputChannels, groupOutputChannels, inputScale, inputZeroPoint, weights,
          weightScales, weightZeroPoints, bias, outputScale, outputZeroPoint, outputMin, outputMax, opOut)
        : qnnps_convolution2d_nhwc_create(
          inputDtype, weightDtype, groups, groupInputChannels, groupOutputChannels, kernelHeight, kernelWidth,
          strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft, padBottom, padRight,
          inputScale, inputZeroPoint, weights, weightScales, weightZeroPoints, bias, outputScale, outputZeroPoint,
          outputMin, outputMax, opOut)
    }
    return (status, op)
  }

  /// The status of a create; the operator is deleted again. A failed create publishes none.
  func create(fullyConnected: Bool = false) -> Int32 {
    let (status, op) = make(fullyConnected: fullyConnected)
    XCTAssertEqual(op == nil, status != 0, "an operator is published exactly on success")
    _ = qnnps_operator_delete(op)
    return status
  }
}

/// Bad weights, quantization and pointers shared by convolution and fully connected creates.
func weightedArguments() -> [BadArgument<ConvolutionArgs>] {
  dtypeArguments("input_dtype", \ConvolutionArgs.inputDtype) + dtypeArguments("weight_dtype", \.weightDtype)
    + sizeArguments("group_input_channels", \.groupInputChannels, zero: .invalidParameter, huge: .outOfMemory)
    + sizeArguments("group_output_channels", \.groupOutputChannels, zero: .invalidParameter, huge: .outOfMemory)
    + quantizationArguments(\.inputScale, \.inputZeroPoint, \.outputScale, \.outputZeroPoint, .uint8)
    + rangeArguments("output_min", \.outputMin, .uint8) + rangeArguments("output_max", \.outputMax, .uint8)
    + [BadArgument(name: "output_min > output_max", change: { $0.outputMin = 9; $0.outputMax = 8 }, status: .invalidParameter),
       BadArgument(name: "int8 activations with uint8 weights", change: { $0.inputDtype = 1; $0.weightDtype = 0; $0.inputZeroPoint = 0 },
                   status: .invalidParameter),
       BadArgument(name: "a NaN weight scale", change: { $0.weightScales = abiNaNScales }, status: .invalidParameter),
       BadArgument(name: "a weight zero point out of range", change: { $0.weightZeroPoints = abiBadZeroPoints },
                   status: .invalidParameter),
       BadArgument(name: "no bias", change: { $0.bias = nil }, status: .success),
       nullArgument("weights", \.weights), nullArgument("weight_scales", \.weightScales),
       nullArgument("weight_zero_points", \.weightZeroPoints),
       BadArgument(name: "op_out = NULL", change: { $0.opOut = false }, status: .invalidParameter)]
}

/// Runs `body` with a convolution and a fully connected operator (deleted afterwards).
func withOperators(_ body: (_ convolution: OpaquePointer?, _ fullyConnected: OpaquePointer?) -> Void) {
  let convolution = ConvolutionArgs().make(fullyConnected: false)
  let fullyConnected = ConvolutionArgs().make(fullyConnected: true)
  XCTAssertEqual([convolution.status, fullyConnected.status], [0, 0])
  body(convolution.op, fullyConnected.op)
  XCTAssertEqual([qnnps_operator_delete(convolution.op), qnnps_operator_delete(fullyConnected.op)], [0, 0])
}

struct RunArgs {
  var op: OpaquePointer?
  var batch = 2, height = 3, width = 3
  var input: UnsafeRawPointer? = abiBytes
  var output: UnsafeMutableRawPointer?
  var outputHeight = true, outputWidth = true
}

/// What convolution and fully connected runs share: batch sizes and buffers.
func runArguments() -> [BadArgument<RunArgs>] {
  sizeArguments("batch", \RunArgs.batch, zero: .success, huge: .outOfMemory)
    + [nullArgument("op", \.op), nullArgument("input", \.input), nullArgument("output", \.output),
       BadArgument(name: "batch 0 with NULL buffers", change: { $0.batch = 0; $0.input = nil; $0.output = nil },
                   status: .success)]
}

/// The arguments of add and multiply: [3, 4] with b broadcast over the rows.
struct BinaryArgs {
  var dtype: Int32 = 1, ndim = 2
  var shape: UnsafePointer<Int>? = abiAdd.shape, aStrides: UnsafePointer<Int>? = abiAdd.aStrides
  var bStrides: UnsafePointer<Int>? = abiAdd.bStrides
  var a: UnsafeRawPointer? = abiBytes, b: UnsafeRawPointer? = abiBytes
  var aScale: Float = 0.5, aZeroPoint: Int32 = -3, bScale: Float = 0.25, bZeroPoint: Int32 = 9
  var outputScale: Float = 0.75, outputZeroPoint: Int32 = 1, outputMin: Int32 = -128, outputMax: Int32 = 127
  var output: UnsafeMutableRawPointer?
}

/// What add and multiply reject (or accept) alike.
func binaryArguments() -> [BadArgument<BinaryArgs>] {
  dtypeArguments("dtype", \BinaryArgs.dtype)
    + [-1, 0, 9].map { n in BadArgument<BinaryArgs>(name: "ndim = \(n)", change: { $0.ndim = n }, status: .invalidParameter) }
    + [nullArgument("shape", \.shape), nullArgument("a_strides", \.aStrides), nullArgument("b_strides", \.bStrides),
       nullArgument("a", \.a), nullArgument("b", \.b), nullArgument("output", \.output),
       BadArgument(name: "a negative size", change: { $0.shape = abiAdd.negativeSize }, status: .invalidParameter),
       BadArgument(name: "a negative stride", change: { $0.aStrides = abiAdd.negativeStride }, status: .invalidParameter),
       BadArgument(name: "an empty shape with NULL buffers",
                   change: { $0.shape = abiAdd.empty; $0.a = nil; $0.b = nil; $0.output = nil }, status: .success),
       BadArgument(name: "sizes whose product overflows", change: { $0.shape = abiAdd.overflowing }, status: .outOfMemory)]
    + scaleArguments("a_scale", \.aScale) + scaleArguments("b_scale", \.bScale) + scaleArguments("output_scale", \.outputScale)
    + rangeArguments("a_zero_point", \.aZeroPoint, .int8) + rangeArguments("b_zero_point", \.bZeroPoint, .int8)
    + rangeArguments("output_zero_point", \.outputZeroPoint, .int8)
    + rangeArguments("output_min", \.outputMin, .int8) + rangeArguments("output_max", \.outputMax, .int8)
}

final class ABIStatusTests: XCTestCase {
  let output = OutputBuffer()

  func testMaxPool() {
    var valid = PoolArgs()
    valid.output = output.pointer
    assertStatuses("qnnps_max_pool2d_nhwc", valid, poolArguments() + poolWindowArguments(dilated: true), output: output) { a in
      qnnps_max_pool2d_nhwc(a.dtype, a.batch, a.height, a.width, a.channels, a.kernelHeight, a.kernelWidth,
                            a.strideHeight, a.strideWidth, a.dilationHeight, a.dilationWidth,
                            a.padTop, a.padLeft, a.padBottom, a.padRight, a.outputMin, a.outputMax, a.input, a.output)
    }
  }

  func testAvgPool() {
    var valid = PoolArgs()
    valid.output = output.pointer
    let bad = poolArguments() + poolWindowArguments(dilated: false)
      + quantizationArguments(\.inputScale, \.inputZeroPoint, \.outputScale, \.outputZeroPoint, .uint8)
    assertStatuses("qnnps_avg_pool2d_nhwc", valid, bad, output: output) { a in
      qnnps_avg_pool2d_nhwc(a.dtype, a.batch, a.height, a.width, a.channels, a.kernelHeight, a.kernelWidth,
                            a.strideHeight, a.strideWidth, a.padTop, a.padLeft, a.padBottom, a.padRight, 1,
                            a.inputScale, a.inputZeroPoint, a.outputScale, a.outputZeroPoint, a.outputMin, a.outputMax,
                            a.input, a.output)
    }
  }

  func testGlobalAvgPool() {
    var valid = PoolArgs()  // pixels = height
    valid.output = output.pointer
    let bad = poolArguments() + sizeArguments("pixels", \.height, zero: .invalidParameter, huge: .outOfMemory)
      + quantizationArguments(\.inputScale, \.inputZeroPoint, \.outputScale, \.outputZeroPoint, .uint8)
    assertStatuses("qnnps_global_avg_pool_nwc", valid, bad, output: output) { a in
      qnnps_global_avg_pool_nwc(a.dtype, a.batch, a.height, a.channels, a.inputScale, a.inputZeroPoint,
                                a.outputScale, a.outputZeroPoint, a.outputMin, a.outputMax, a.input, a.output)
    }
  }

  func testAdd() {
    var valid = BinaryArgs()
    valid.output = output.pointer
    let bad = binaryArguments() + [multiplierArgument(\.aScale, \.outputScale), multiplierArgument(\.bScale, \.outputScale)]
    assertStatuses("qnnps_add_nd", valid, bad, output: output) { a in
      qnnps_add_nd(a.dtype, a.ndim, a.shape, a.a, a.aStrides, a.aScale, a.aZeroPoint, a.b, a.bStrides, a.bScale,
                   a.bZeroPoint, a.outputScale, a.outputZeroPoint, a.outputMin, a.outputMax, a.output)
    }
  }

  func testClampAndRequantize() {
    var valid = ElementwiseArgs()
    valid.output = output.pointer
    // A count cannot be checked against the buffers, so no huge count here.
    let common = dtypeArguments("dtype", \ElementwiseArgs.dtype)
      + sizeArguments("count", \.count, zero: .success, huge: nil)
      + rangeArguments("output_min", \.outputMin, .int8) + rangeArguments("output_max", \.outputMax, .int8)
      + [BadArgument(name: "output_min > output_max", change: { $0.outputMin = 9; $0.outputMax = 8 }, status: .invalidParameter),
         nullArgument("input", \.input), nullArgument("output", \.output),
         BadArgument(name: "count 0 with NULL buffers", change: { $0.count = 0; $0.input = nil; $0.output = nil }, status: .success)]
    var clamp = valid
    clamp.dtype = 1
    assertStatuses("qnnps_clamp", clamp, common, output: output) { a in
      qnnps_clamp(a.dtype, a.count, a.outputMin, a.outputMax, a.input, a.output)
    }
    let requantize = common + dtypeArguments("output_dtype", \.outputDtype)
      + scaleArguments("input_scale", \.inputScale) + scaleArguments("output_scale", \.outputScale)
      + rangeArguments("input_zero_point", \.inputZeroPoint, .uint8) + rangeArguments("output_zero_point", \.outputZeroPoint, .int8)
      + [multiplierArgument(\.inputScale, \.outputScale)]
    assertStatuses("qnnps_requantize", valid, requantize, output: output) { a in
      qnnps_requantize(a.dtype, a.outputDtype, a.count, a.inputScale, a.inputZeroPoint, a.outputScale,
                       a.outputZeroPoint, a.outputMin, a.outputMax, a.input, a.output)
    }
  }

  func testQuantizeAndDequantize() {
    var valid = ChannelArgs()
    valid.output = output.pointer
    let bad = dtypeArguments("dtype", \ChannelArgs.dtype)
      + sizeArguments("outer", \.outer, zero: .success, huge: .outOfMemory)
      + sizeArguments("channels", \.channels, zero: .invalidParameter, huge: .outOfMemory)
      + sizeArguments("inner", \.inner, zero: .success, huge: .outOfMemory)
      + [nullArgument("scales", \.scales), nullArgument("zero_points", \.zeroPoints), nullArgument("output", \.output),
         BadArgument(name: "input = NULL", change: { $0.input = false }, status: .invalidParameter),
         BadArgument(name: "a NaN scale", change: { $0.scales = abiNaNScales }, status: .invalidParameter),
         BadArgument(name: "a zero point out of range", change: { $0.zeroPoints = abiBadZeroPoints }, status: .invalidParameter)]
    assertStatuses("qnnps_quantize", valid, bad, output: output) { a in
      qnnps_quantize(a.dtype, a.outer, a.channels, a.inner, a.input ? abiFloats : nil, a.scales, a.zeroPoints, a.output)
    }
    assertStatuses("qnnps_dequantize", valid, bad, output: output) { a in
      qnnps_dequantize(a.dtype, a.outer, a.channels, a.inner, a.input ? abiBytes : nil, a.scales, a.zeroPoints,
                       a.output?.assumingMemoryBound(to: Float.self))
    }
  }

  func testConvolutionCreate() {
    let bad = weightedArguments() + windowArguments(dilated: true)
      + sizeArguments("groups", \ConvolutionArgs.groups, zero: .invalidParameter, huge: .outOfMemory)
    assertStatuses("qnnps_convolution2d_nhwc_create", ConvolutionArgs(), bad, output: output) { $0.create() }
  }

  func testFullyConnectedCreate() {
    assertStatuses("qnnps_fully_connected_create", ConvolutionArgs(), weightedArguments(), output: output) {
      $0.create(fullyConnected: true)
    }
  }

  func testConvolutionOutputSizeAndRun() {
    withOperators { op, fullyConnected in
      let valid = RunArgs(op: op, output: output.pointer)
      let shape = sizeArguments("input_height", \RunArgs.height, zero: .invalidParameter, huge: .invalidParameter)
        + sizeArguments("input_width", \.width, zero: .invalidParameter, huge: .invalidParameter)
        + [BadArgument(name: "a fully connected operator", change: { $0.op = fullyConnected }, status: .invalidParameter),
           BadArgument(name: "an input smaller than the kernel", change: { $0.height = 1 }, status: .invalidParameter)]
      let sizes = shape + [
        nullArgument("op", \.op),
        BadArgument(name: "output_height = NULL", change: { $0.outputHeight = false }, status: .invalidParameter),
        BadArgument(name: "output_width = NULL", change: { $0.outputWidth = false }, status: .invalidParameter)]
      assertStatuses("qnnps_convolution2d_nhwc_output_size", valid, sizes, output: output) { a in
        let size = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        defer { size.deallocate() }
        return qnnps_convolution2d_nhwc_output_size(a.op, a.height, a.width, a.outputHeight ? size : nil,
                                                    a.outputWidth ? size + 1 : nil)
      }
      assertStatuses("qnnps_convolution2d_nhwc_run", valid, shape + runArguments(), output: output) { a in
        qnnps_convolution2d_nhwc_run(a.op, a.batch, a.height, a.width, a.input, a.output)
      }
    }
  }

  func testFullyConnectedRun() {
    withOperators { convolution, op in
      let bad = runArguments()
        + [BadArgument(name: "a convolution operator", change: { $0.op = convolution }, status: .invalidParameter)]
      assertStatuses("qnnps_fully_connected_run", RunArgs(op: op, output: output.pointer), bad, output: output) { a in
        qnnps_fully_connected_run(a.op, a.batch, a.input, a.output)
      }
    }
  }

  func testRuntime() {
    let saved = (qnnps_get_isa(), qnnps_get_num_threads())
    defer {
      _ = qnnps_set_isa(saved.0)
      _ = qnnps_set_num_threads(saved.1)
    }
    XCTAssertEqual(qnnps_cpu_features() & 1, 1, "SSE2 is part of x86-64")
    XCTAssertLessThanOrEqual(qnnps_get_isa(), qnnps_best_isa())
    for isa in [Int32(-1), 3, .max] {
      XCTAssertEqual(qnnps_set_isa(isa), Status.invalidParameter.rawValue, "set_isa(\(isa))")
      XCTAssertNil(qnnps_isa_name(isa), "isa_name(\(isa))")
    }
    for isa in ISA.allCases {
      XCTAssertEqual(qnnps_set_isa(isa.rawValue), isa.isSupported ? 0 : Status.unsupportedHardware.rawValue)
      XCTAssertEqual(String(cString: qnnps_isa_name(isa.rawValue)!), isa.name)
    }
    for n in [0, -1, Int.min] {
      XCTAssertEqual(qnnps_set_num_threads(n), Status.invalidParameter.rawValue, "set_num_threads(\(n))")
    }
    XCTAssertEqual(qnnps_set_num_threads(1), 0)
    XCTAssertEqual(qnnps_get_num_threads(), 1)
    XCTAssertEqual(qnnps_operator_delete(nil), 0)
  }
}

// ---- the operators added after the first eleven ----------------------------------------------

let abiDoubles = leaked([Double](repeating: 0.5, count: 64))
let abiNaNDoubles = leaked([Double(0.5), .nan, 0.5, 0.5])
let abiNegativeDoubles = leaked([Double(0.5), -1, 0.5, 0.5])
let abiHugeScales = leaked([Float(1e30), 1e30])
/// Two concatenated inputs of 3 and 5 values a row; then bad sizes.
let abiConcat = (inputs: leaked([UnsafeRawPointer?(abiBytes), abiBytes]), inner: leaked([3, 5]),
                 negativeInner: leaked([3, -1]), nullInput: leaked([UnsafeRawPointer?(abiBytes), nil]))

/// `bad` changing the `Inner` arguments held at `path`.
func lifted<Inner, Outer>(_ bad: [BadArgument<Inner>], _ path: WritableKeyPath<Outer, Inner>) -> [BadArgument<Outer>] {
  bad.map { b in BadArgument(name: b.name, change: { b.change(&$0[keyPath: path]) }, status: b.status) }
}

/// Creates with convolution arguments: a transposed convolution (with its output padding) or
/// a locally connected layer (C_in, C_out = group_input_channels, group_output_channels;
/// 2x2 output pixels).
struct WindowedCreateArgs {
  var conv = ConvolutionArgs()
  var outputPaddingHeight = 0, outputPaddingWidth = 0

  func make(locallyConnected: Bool) -> (status: Int32, op: OpaquePointer?) {
    var op: OpaquePointer?
    let c = conv
    let status = withUnsafeMutablePointer(to: &op) { out in
      let opOut = c.opOut ? out : nil
      return locallyConnected
        ? qnnps_locally_connected2d_nhwc_create(
          c.inputDtype, c.weightDtype, 2, 2, c.groupInputChannels, c.groupOutputChannels, c.kernelHeight,
          c.kernelWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth, c.padTop, c.padLeft,
          c.padBottom, c.padRight, c.inputScale, c.inputZeroPoint, c.weights, c.weightScales, c.weightZeroPoints,
          c.bias, c.outputScale, c.outputZeroPoint, c.outputMin, c.outputMax, opOut)
        : qnnps_deconvolution2d_nhwc_create(
          c.inputDtype, c.weightDtype, c.groups, c.groupInputChannels, c.groupOutputChannels, c.kernelHeight,
          c.kernelWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth, c.padTop, c.padLeft,
          c.padBottom, c.padRight, outputPaddingHeight, outputPaddingWidth, c.inputScale, c.inputZeroPoint,
          c.weights, c.weightScales, c.weightZeroPoints, c.bias, c.outputScale, c.outputZeroPoint, c.outputMin,
          c.outputMax, opOut)
    }
    return (status, op)
  }

  func create(locallyConnected: Bool) -> Int32 {
    let (status, op) = make(locallyConnected: locallyConnected)
    XCTAssertEqual(op == nil, status != 0, "an operator is published exactly on success")
    _ = qnnps_operator_delete(op)
    return status
  }
}

struct LookupArgs {
  var dtype: Int32 = 0, function: Int32 = 4, parameter = 0.1
  var inputScale: Float = 0.5, inputZeroPoint: Int32 = 3, outputScale: Float = 0.25, outputZeroPoint: Int32 = 7
  var outputMin: Int32 = 0, outputMax: Int32 = 255
  var opOut = true
}

extension ABIStatusTests {
  func testMultiply() {
    var valid = BinaryArgs()
    valid.output = output.pointer
    let bad = binaryArguments()
      + [multiplierArgument(\.aScale, \.outputScale),
         BadArgument(name: "a_scale · b_scale beyond float32", change: { $0.aScale = 1e30; $0.bScale = 1e30 },
                     status: .unsupportedParameter),
         BadArgument(name: "a_scale / output_scale beyond float32, the multiplier finite",
                     change: { $0.aScale = 1e30; $0.bScale = 1e-30; $0.outputScale = 1e-3 }, status: .success)]
    assertStatuses("qnnps_multiply_nd", valid, bad, output: output) { a in
      qnnps_multiply_nd(a.dtype, a.ndim, a.shape, a.a, a.aStrides, a.aScale, a.aZeroPoint, a.b, a.bStrides, a.bScale,
                        a.bZeroPoint, a.outputScale, a.outputZeroPoint, a.outputMin, a.outputMax, a.output)
    }
  }

  func testConcatenate() {
    struct ConcatArgs {
      var dtype: Int32 = 0, count = 2, outer = 4
      var inner: UnsafePointer<Int>? = abiConcat.inner
      var inputs: UnsafePointer<UnsafeRawPointer?>? = abiConcat.inputs
      var scales: UnsafePointer<Float>? = abiScales, zeroPoints: UnsafePointer<Int32>? = abiZeroPoints
      var outputScale: Float = 0.02, outputZeroPoint: Int32 = 7, outputMin: Int32 = 0, outputMax: Int32 = 255
      var output: UnsafeMutableRawPointer?
    }
    var valid = ConcatArgs()
    valid.output = output.pointer
    let bad = dtypeArguments("dtype", \ConcatArgs.dtype)
      + sizeArguments("count", \.count, zero: .invalidParameter, huge: nil)
      + sizeArguments("outer", \.outer, zero: .success, huge: .outOfMemory)
      + scaleArguments("output_scale", \.outputScale)
      + rangeArguments("output_zero_point", \.outputZeroPoint, .uint8)
      + rangeArguments("output_min", \.outputMin, .uint8) + rangeArguments("output_max", \.outputMax, .uint8)
      + [nullArgument("inner", \.inner), nullArgument("inputs", \.inputs), nullArgument("input_scales", \.scales),
         nullArgument("input_zero_points", \.zeroPoints), nullArgument("output", \.output),
         BadArgument(name: "an input = NULL", change: { $0.inputs = abiConcat.nullInput }, status: .invalidParameter),
         BadArgument(name: "a negative inner size", change: { $0.inner = abiConcat.negativeInner }, status: .invalidParameter),
         BadArgument(name: "a NaN input scale", change: { $0.scales = abiNaNScales }, status: .invalidParameter),
         BadArgument(name: "an input zero point out of range", change: { $0.zeroPoints = abiBadZeroPoints },
                     status: .invalidParameter),
         BadArgument(name: "output_min > output_max", change: { $0.outputMin = 9; $0.outputMax = 8 }, status: .invalidParameter),
         BadArgument(name: "a multiplier beyond float32", change: { $0.scales = abiHugeScales; $0.outputScale = 1e-30 },
                     status: .unsupportedParameter),
         BadArgument(name: "outer 0 with NULL buffers", change: { $0.outer = 0; $0.inputs = nil; $0.output = nil },
                     status: .invalidParameter)]
    assertStatuses("qnnps_concatenate", valid, bad, output: output) { a in
      qnnps_concatenate(a.dtype, a.count, a.outer, a.inner, a.inputs, a.scales, a.zeroPoints, a.outputScale,
                        a.outputZeroPoint, a.outputMin, a.outputMax, a.output)
    }
  }

  func testChannelShuffle() {
    struct ShuffleArgs {
      var rows = 3, groups = 2, groupChannels = 4
      var input: UnsafeRawPointer? = abiBytes
      var output: UnsafeMutableRawPointer?
    }
    var valid = ShuffleArgs()
    valid.output = output.pointer
    let bad = sizeArguments("rows", \ShuffleArgs.rows, zero: .success, huge: .outOfMemory)
      + sizeArguments("groups", \.groups, zero: .invalidParameter, huge: .outOfMemory)
      + sizeArguments("group_channels", \.groupChannels, zero: .invalidParameter, huge: .outOfMemory)
      + [nullArgument("input", \.input), nullArgument("output", \.output),
         BadArgument(name: "rows 0 with NULL buffers", change: { $0.rows = 0; $0.input = nil; $0.output = nil }, status: .success)]
    assertStatuses("qnnps_channel_shuffle", valid, bad, output: output) { a in
      qnnps_channel_shuffle(a.rows, a.groups, a.groupChannels, a.input, a.output)
    }
  }

  func testDeconvolutionCreate() {
    // A huge stride is a huge output (not one pixel as for a convolution).
    let window: [BadArgument<ConvolutionArgs>] = windowArguments(dilated: true).map { b in
      b.name.hasPrefix("stride") && b.name.hasSuffix("Int.max") ? BadArgument(name: b.name, change: b.change, status: .outOfMemory) : b
    }
    let bad = lifted(weightedArguments() + window
                       + sizeArguments("groups", \ConvolutionArgs.groups, zero: .invalidParameter, huge: .outOfMemory),
                     \WindowedCreateArgs.conv)
      + sizeArguments("output_padding_height", \.outputPaddingHeight, zero: .success, huge: .invalidParameter)
      + [BadArgument(name: "output_padding = max(stride, dilation)", change: { $0.outputPaddingWidth = 1 },
                     status: .invalidParameter)]
    assertStatuses("qnnps_deconvolution2d_nhwc_create", WindowedCreateArgs(), bad, output: output) {
      $0.create(locallyConnected: false)
    }
  }

  func testLocallyConnectedCreate() {
    let bad = lifted(weightedArguments() + windowArguments(dilated: true), \WindowedCreateArgs.conv)
    assertStatuses("qnnps_locally_connected2d_nhwc_create", WindowedCreateArgs(), bad, output: output) {
      $0.create(locallyConnected: true)
    }
  }

  func testDeconvolutionAndLocallyConnectedRuns() {
    let deconvolution = WindowedCreateArgs().make(locallyConnected: false)
    let locallyConnected = WindowedCreateArgs().make(locallyConnected: true)
    XCTAssertEqual([deconvolution.status, locallyConnected.status], [0, 0])
    defer {
      XCTAssertEqual([qnnps_operator_delete(deconvolution.op), qnnps_operator_delete(locallyConnected.op)], [0, 0])
    }
    withOperators { convolution, _ in
      let valid = RunArgs(op: deconvolution.op, output: output.pointer)
      // A huge input is a huge transposed convolution output; it gives one locally connected size.
      let shape = { (huge: Status) -> [BadArgument<RunArgs>] in
        sizeArguments("input_height", \RunArgs.height, zero: .invalidParameter, huge: huge)
          + sizeArguments("input_width", \.width, zero: .invalidParameter, huge: huge)
          + [BadArgument(name: "a convolution operator", change: { $0.op = convolution }, status: .invalidParameter)]
      }
      assertStatuses("qnnps_deconvolution2d_nhwc_output_size", valid,
                     shape(.outOfMemory) + [nullArgument("op", \.op),
                              BadArgument(name: "output_height = NULL", change: { $0.outputHeight = false }, status: .invalidParameter),
                              BadArgument(name: "output_width = NULL", change: { $0.outputWidth = false }, status: .invalidParameter)],
                     output: output) { a in
        let size = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        defer { size.deallocate() }
        return qnnps_deconvolution2d_nhwc_output_size(a.op, a.height, a.width, a.outputHeight ? size : nil,
                                                      a.outputWidth ? size + 1 : nil)
      }
      assertStatuses("qnnps_deconvolution2d_nhwc_run", valid, shape(.outOfMemory) + runArguments(), output: output) { a in
        qnnps_deconvolution2d_nhwc_run(a.op, a.batch, a.height, a.width, a.input, a.output)
      }
      var lc = valid
      lc.op = locallyConnected.op
      let lcBad = shape(.invalidParameter) + runArguments()
        + [BadArgument(name: "an input giving another output size", change: { $0.height = 4 }, status: .invalidParameter),
           BadArgument(name: "a transposed convolution", change: { $0.op = deconvolution.op }, status: .invalidParameter)]
      assertStatuses("qnnps_locally_connected2d_nhwc_run", lc, lcBad, output: output) { a in
        qnnps_locally_connected2d_nhwc_run(a.op, a.batch, a.height, a.width, a.input, a.output)
      }
    }
  }

  func testDynamicFullyConnected() {
    struct DynamicArgs {
      var weightDtype: Int32 = 1, inputChannels = 5, outputChannels = 3
      var weights: UnsafeRawPointer? = abiBytes
      var weightScales: UnsafePointer<Float>? = abiScales, weightZeroPoints: UnsafePointer<Int32>? = abiZeroPoints
      var opOut = true
      func create() -> Int32 {
        var op: OpaquePointer?
        let status = withUnsafeMutablePointer(to: &op) { out in
          qnnps_dynamic_fully_connected_create(weightDtype, inputChannels, outputChannels, weights, weightScales,
                                               weightZeroPoints, opOut ? out : nil)
        }
        XCTAssertEqual(op == nil, status != 0, "an operator is published exactly on success")
        _ = qnnps_operator_delete(op)
        return status
      }
    }
    let bad = dtypeArguments("weight_dtype", \DynamicArgs.weightDtype)
      + sizeArguments("input_channels", \.inputChannels, zero: .invalidParameter, huge: .outOfMemory)
      + sizeArguments("output_channels", \.outputChannels, zero: .invalidParameter, huge: .outOfMemory)
      + [nullArgument("weights", \.weights), nullArgument("weight_scales", \.weightScales),
         nullArgument("weight_zero_points", \.weightZeroPoints),
         BadArgument(name: "a NaN weight scale", change: { $0.weightScales = abiNaNScales }, status: .invalidParameter),
         BadArgument(name: "op_out = NULL", change: { $0.opOut = false }, status: .invalidParameter)]
    assertStatuses("qnnps_dynamic_fully_connected_create", DynamicArgs(), bad, output: output) { $0.create() }

    struct RunDynamicArgs {
      var op: OpaquePointer?
      var batch = 2
      var input: UnsafeRawPointer? = abiBytes
      var inputScale: Float = 0.1, inputZeroPoint: Int32 = 3
      var output: UnsafeMutablePointer<Float>?
    }
    var op: OpaquePointer?
    XCTAssertEqual(qnnps_dynamic_fully_connected_create(1, 5, 3, abiBytes, abiScales, abiZeroPoints, &op), 0)
    defer { XCTAssertEqual(qnnps_operator_delete(op), 0) }
    withOperators { _, fullyConnected in
      let valid = RunDynamicArgs(op: op, output: output.pointer.assumingMemoryBound(to: Float.self))
      let runBad = sizeArguments("batch", \RunDynamicArgs.batch, zero: .success, huge: .outOfMemory)
        + scaleArguments("input_scale", \.inputScale) + rangeArguments("input_zero_point", \.inputZeroPoint, .uint8)
        + [nullArgument("op", \.op), nullArgument("input", \.input), nullArgument("output", \.output),
           BadArgument(name: "a fully connected operator", change: { $0.op = fullyConnected }, status: .invalidParameter),
           BadArgument(name: "batch 0 with NULL buffers", change: { $0.batch = 0; $0.input = nil; $0.output = nil },
                       status: .success)]
      assertStatuses("qnnps_dynamic_fully_connected_run", valid, runBad, output: output) { a in
        qnnps_dynamic_fully_connected_run(a.op, a.batch, a.input, a.inputScale, a.inputZeroPoint, a.output)
      }
    }
  }

  func testLookup() {
    let bad = dtypeArguments("dtype", \LookupArgs.dtype)
      + [-1, 5].map { f in BadArgument<LookupArgs>(name: "function = \(f)", change: { $0.function = f }, status: .invalidParameter) }
      + [Double.nan, .infinity].map { p in
        BadArgument<LookupArgs>(name: "negative slope \(p)", change: { $0.parameter = p }, status: .invalidParameter)
      }
      + quantizationArguments(\.inputScale, \.inputZeroPoint, \.outputScale, \.outputZeroPoint, .uint8).filter {
        !$0.name.hasPrefix("a multiplier")  // float64 tables: no float32 multiplier
      }
      + rangeArguments("output_min", \.outputMin, .uint8) + rangeArguments("output_max", \.outputMax, .uint8)
      + [BadArgument(name: "output_min > output_max", change: { $0.outputMin = 9; $0.outputMax = 8 }, status: .invalidParameter),
         BadArgument(name: "op_out = NULL", change: { $0.opOut = false }, status: .invalidParameter)]
    assertStatuses("qnnps_lookup_create", LookupArgs(), bad, output: output) { a in
      var op: OpaquePointer?
      let status = withUnsafeMutablePointer(to: &op) { out in
        qnnps_lookup_create(a.dtype, a.function, a.parameter, a.inputScale, a.inputZeroPoint, a.outputScale,
                            a.outputZeroPoint, a.outputMin, a.outputMax, a.opOut ? out : nil)
      }
      XCTAssertEqual(op == nil, status != 0, "an operator is published exactly on success")
      _ = qnnps_operator_delete(op)
      return status
    }

    var op: OpaquePointer?
    XCTAssertEqual(qnnps_lookup_create(0, 0, 0, 0.1, 128, 1.0 / 256, 0, 0, 255, &op), 0)
    defer { XCTAssertEqual(qnnps_operator_delete(op), 0) }
    withOperators { convolution, _ in
      var valid = ElementwiseArgs()
      valid.output = output.pointer
      let runBad = sizeArguments("count", \ElementwiseArgs.count, zero: .success, huge: nil)
        + [nullArgument("input", \.input), nullArgument("output", \.output),
           BadArgument(name: "count 0 with NULL buffers", change: { $0.count = 0; $0.input = nil; $0.output = nil },
                       status: .success),
           BadArgument(name: "a convolution operator (dtype = 1)", change: { $0.dtype = 1 }, status: .invalidParameter),
           BadArgument(name: "op = NULL (dtype = 2)", change: { $0.dtype = 2 }, status: .invalidParameter)]
      assertStatuses("qnnps_lookup_run", valid, runBad, output: output) { a in
        qnnps_lookup_run([op, convolution, nil][Int(a.dtype)], a.count, a.input, a.output)
      }
    }
  }

  func testSoftmax() {
    struct SoftmaxArgs {
      var dtype: Int32 = 0, outer = 2, length = 5, inner = 3
      var inputScale: Float = 0.1, inputZeroPoint: Int32 = 3, outputScale: Float = 1.0 / 256, outputZeroPoint: Int32 = 0
      var outputMin: Int32 = 0, outputMax: Int32 = 255
      var input: UnsafeRawPointer? = abiBytes
      var output: UnsafeMutableRawPointer?
    }
    var valid = SoftmaxArgs()
    valid.output = output.pointer
    let bad = dtypeArguments("dtype", \SoftmaxArgs.dtype)
      + sizeArguments("outer", \.outer, zero: .success, huge: .outOfMemory)
      + sizeArguments("length", \.length, zero: .invalidParameter, huge: .outOfMemory)
      + sizeArguments("inner", \.inner, zero: .invalidParameter, huge: .outOfMemory)
      + scaleArguments("input_scale", \.inputScale) + scaleArguments("output_scale", \.outputScale)
      + rangeArguments("input_zero_point", \.inputZeroPoint, .uint8) + rangeArguments("output_zero_point", \.outputZeroPoint, .uint8)
      + rangeArguments("output_min", \.outputMin, .uint8) + rangeArguments("output_max", \.outputMax, .uint8)
      + [BadArgument(name: "output_min > output_max", change: { $0.outputMin = 9; $0.outputMax = 8 }, status: .invalidParameter),
         nullArgument("input", \.input), nullArgument("output", \.output),
         BadArgument(name: "outer 0 with NULL buffers", change: { $0.outer = 0; $0.input = nil; $0.output = nil }, status: .success)]
    assertStatuses("qnnps_softmax", valid, bad, output: output) { a in
      qnnps_softmax(a.dtype, a.outer, a.length, a.inner, a.inputScale, a.inputZeroPoint, a.outputScale,
                    a.outputZeroPoint, a.outputMin, a.outputMax, a.input, a.output)
    }
  }

  func testNormalize() {
    struct NormArgs {
      var dtype: Int32 = 0, batch = 2, pixels = 3, channels = 4, groups = 2
      var inputScale: Float = 0.1, inputZeroPoint: Int32 = 3
      var mean: UnsafePointer<Double>?, variance: UnsafePointer<Double>?
      var gamma: UnsafePointer<Double>? = abiDoubles, beta: UnsafePointer<Double>? = abiDoubles
      var eps = 1e-5
      var outputScale: Float = 0.03, outputZeroPoint: Int32 = 128, outputMin: Int32 = 0, outputMax: Int32 = 255
      var input: UnsafeRawPointer? = abiBytes
      var output: UnsafeMutableRawPointer?
    }
    var valid = NormArgs()
    valid.output = output.pointer
    let bad = dtypeArguments("dtype", \NormArgs.dtype)
      + sizeArguments("batch", \.batch, zero: .success, huge: .outOfMemory)
      + sizeArguments("pixels", \.pixels, zero: .invalidParameter, huge: .outOfMemory)
      + sizeArguments("channels", \.channels, zero: .invalidParameter, huge: .invalidParameter)
      + sizeArguments("groups", \.groups, zero: .invalidParameter, huge: .invalidParameter)
      + scaleArguments("input_scale", \.inputScale) + scaleArguments("output_scale", \.outputScale)
      + rangeArguments("input_zero_point", \.inputZeroPoint, .uint8) + rangeArguments("output_zero_point", \.outputZeroPoint, .uint8)
      + rangeArguments("output_min", \.outputMin, .uint8) + rangeArguments("output_max", \.outputMax, .uint8)
      + [-1, .nan, .infinity].map { e in BadArgument<NormArgs>(name: "eps = \(e)", change: { $0.eps = e }, status: .invalidParameter) }
      + [BadArgument(name: "output_min > output_max", change: { $0.outputMin = 9; $0.outputMax = 8 }, status: .invalidParameter),
         BadArgument(name: "groups not dividing channels", change: { $0.groups = 3 }, status: .invalidParameter),
         BadArgument(name: "mean without variance", change: { $0.mean = abiDoubles }, status: .invalidParameter),
         BadArgument(name: "running statistics", change: { $0.mean = abiDoubles; $0.variance = abiDoubles; $0.groups = 1 },
                     status: .success),
         BadArgument(name: "a negative variance", change: { $0.mean = abiDoubles; $0.variance = abiNegativeDoubles },
                     status: .invalidParameter),
         BadArgument(name: "a NaN mean", change: { $0.mean = abiNaNDoubles; $0.variance = abiDoubles }, status: .invalidParameter),
         BadArgument(name: "a NaN gamma", change: { $0.gamma = abiNaNDoubles }, status: .invalidParameter),
         BadArgument(name: "a NaN beta", change: { $0.beta = abiNaNDoubles }, status: .invalidParameter),
         BadArgument(name: "no gamma, beta", change: { $0.gamma = nil; $0.beta = nil }, status: .success),
         nullArgument("input", \.input), nullArgument("output", \.output),
         BadArgument(name: "batch 0 with NULL buffers", change: { $0.batch = 0; $0.input = nil; $0.output = nil }, status: .success)]
    assertStatuses("qnnps_normalize_nwc", valid, bad, output: output) { a in
      qnnps_normalize_nwc(a.dtype, a.batch, a.pixels, a.channels, a.groups, a.inputScale, a.inputZeroPoint, a.mean,
                          a.variance, a.gamma, a.beta, a.eps, a.outputScale, a.outputZeroPoint, a.outputMin,
                          a.outputMax, a.input, a.output)
    }
  }

  func testResize() {
    struct ResizeArgs {
      var dtype: Int32 = 0, batch = 1, height = 4, width = 4, channels = 2, outputHeight = 6, outputWidth = 5
      var mode: Int32 = 1, alignCorners: Int32 = 1
      var input: UnsafeRawPointer? = abiBytes
      var output: UnsafeMutableRawPointer?
    }
    var valid = ResizeArgs()
    valid.output = output.pointer
    let bad = dtypeArguments("dtype", \ResizeArgs.dtype)
      + sizeArguments("batch", \.batch, zero: .success, huge: .outOfMemory)
      + sizeArguments("input_height", \.height, zero: .invalidParameter, huge: .outOfMemory)
      + sizeArguments("input_width", \.width, zero: .invalidParameter, huge: .outOfMemory)
      + sizeArguments("channels", \.channels, zero: .invalidParameter, huge: .outOfMemory)
      + sizeArguments("output_height", \.outputHeight, zero: .invalidParameter, huge: .outOfMemory)
      + sizeArguments("output_width", \.outputWidth, zero: .invalidParameter, huge: .outOfMemory)
      + [-1, 2].map { m in BadArgument<ResizeArgs>(name: "mode = \(m)", change: { $0.mode = m }, status: .invalidParameter) }
      + [BadArgument(name: "align_corners with nearest", change: { $0.mode = 0 }, status: .invalidParameter),
         BadArgument(name: "nearest", change: { $0.mode = 0; $0.alignCorners = 0 }, status: .success),
         nullArgument("input", \.input), nullArgument("output", \.output),
         BadArgument(name: "batch 0 with NULL buffers", change: { $0.batch = 0; $0.input = nil; $0.output = nil }, status: .success)]
    assertStatuses("qnnps_resize2d_nhwc", valid, bad, output: output) { a in
      qnnps_resize2d_nhwc(a.dtype, a.batch, a.height, a.width, a.channels, a.outputHeight, a.outputWidth, a.mode,
                          a.alignCorners, a.input, a.output)
    }
  }
}
