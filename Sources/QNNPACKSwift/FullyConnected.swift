/// A prepacked fully connected layer: a 1×1 convolution over `[batch, 1, 1, K]`, so it shares
/// the packed GEMM and its kernels.
final class FullyConnected: Sendable {
  let gemm: Convolution2D

  init(_ gemm: Convolution2D) { self.gemm = gemm }
}

@_cdecl("qnnps_fully_connected_create")
public func qnnps_fully_connected_create(
  _ inputDtype: Int32, _ weightDtype: Int32, _ inputChannels: Int, _ outputChannels: Int,
  _ inputScale: Float, _ inputZeroPoint: Int32,
  _ weights: UnsafeRawPointer?, _ weightScales: UnsafePointer<Float>?,
  _ weightZeroPoints: UnsafePointer<Int32>?, _ bias: UnsafePointer<Int32>?,
  _ outputScale: Float, _ outputZeroPoint: Int32, _ outputMin: Int32, _ outputMax: Int32,
  _ opOut: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  createGEMMOperator(
    opOut, inputDtype, weightDtype, kernel: (1, 1), stride: (1, 1), dilation: (1, 1), padding: (0, 0, 0, 0),
    inputScale, inputZeroPoint, weights, weightScales, weightZeroPoints, bias,
    outputScale, outputZeroPoint, outputMin, outputMax
  ) { (window, arguments) throws(Status) in
    FullyConnected(try Convolution2D(window: window, groups: 1, groupInputChannels: inputChannels,
                                     groupOutputChannels: outputChannels, arguments: arguments, narrowWeights: true))
  }
}

@_cdecl("qnnps_fully_connected_run")
public func qnnps_fully_connected_run(
  _ op: OpaquePointer?, _ batch: Int, _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let fc = try operatorObject(op, as: FullyConnected.self)
    try fc.gemm.run(batch: batch, height: 1, width: 1, input: input, output: output)
  }
}
