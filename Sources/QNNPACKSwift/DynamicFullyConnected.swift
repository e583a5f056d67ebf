import QNNPACKKernels

/// A prepacked dynamically quantized fully connected layer (PyTorch's dynamic linear): the
/// caller quantizes each input batch to uint8 with its own (scale, zero point); the GEMM's
/// exact accumulators leave as float32 `f32(acc) · f32(x_scale · w_scale[c])`. The packed
/// multipliers are the weight scales, so nothing depends on the input's qparams until run.
final class DynamicFullyConnected: Sendable {
  let gemm: Convolution2D

  init(_ gemm: Convolution2D) { self.gemm = gemm }
}

@_cdecl("qnnps_dynamic_fully_connected_create")
public func qnnps_dynamic_fully_connected_create(
  _ weightDtype: Int32, _ inputChannels: Int, _ outputChannels: Int,
  _ weights: UnsafeRawPointer?, _ weightScales: UnsafePointer<Float>?,
  _ weightZeroPoints: UnsafePointer<Int32>?, _ opOut: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  abiCall { () throws(Status) in
    let opOut = try nonNull(opOut)
    let op = try Convolution2D(
      window: Window2D(kernel: (1, 1), stride: (1, 1), dilation: (1, 1), padding: (0, 0, 0, 0)),
      groups: 1, groupInputChannels: inputChannels, groupOutputChannels: outputChannels,
      arguments: GEMMArguments(
        inputType: .uint8, weightType: DType(code: weightDtype), inputScale: 1, inputZeroPoint: 0,
        weights: nonNull(weights), weightScales: nonNull(weightScales), weightZeroPoints: nonNull(weightZeroPoints),
        bias: nil, outputScale: 1, output: DType.uint8.output(zeroPoint: 0, min: 0, max: 255)),
      allowDepthwise: false, narrowWeights: true)
    publish(DynamicFullyConnected(op), opOut)
  }
}

/// input uint8 `[batch, K]` quantized with (input_scale, input_zero_point); output float32
/// `[batch, C_out]`.
@_cdecl("qnnps_dynamic_fully_connected_run")
public func qnnps_dynamic_fully_connected_run(
  _ op: OpaquePointer?, _ batch: Int, _ input: UnsafeRawPointer?, _ inputScale: Float,
  _ inputZeroPoint: Int32, _ output: UnsafeMutablePointer<Float>?
) -> Int32 {
  abiCall { () throws(Status) in
    let fc = try operatorObject(op, as: DynamicFullyConnected.self)
    try fc.gemm.runDequantized(batch: batch, input: input, scale: inputScale, zeroPoint: inputZeroPoint,
                               output: output)
  }
}
