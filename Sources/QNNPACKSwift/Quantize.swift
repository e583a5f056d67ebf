import QNNPACKAVX2
import QNNPACKKernels

/// Validated `[outer, channels, inner]` layout with per-channel scales and zero points.
struct ChannelLayout {
  let outer, channels, inner: Int

  init(outer: Int, channels: Int, inner: Int, type: DType,
       scales: UnsafePointer<Float>, zeroPoints: UnsafePointer<Int32>) throws(Status) {
    try require(outer >= 0 && channels >= 1 && inner >= 0)
    _ = try checkedProduct(outer, channels, inner, 4)
    for c in 0..<channels {
      try checkScale(scales[c])
      try type.checkZeroPoint(zeroPoints[c])
    }
    self.outer = outer
    self.channels = channels
    self.inner = inner
  }

  var isEmpty: Bool { outer == 0 || inner == 0 }

  /// `body(channel, firstElement, count)` over every run of one channel, threads splitting.
  func forEachRun(_ body: (Int, Int, Int) -> Void) {
    parallelRows(rows: outer * channels, length: inner) { row, start, count in
      body(row % channels, row * inner + start, count)
    }
  }
}

/// The validated arguments of a per-channel (de)quantization; nil when there is nothing to do.
struct ChannelCall {
  let type: DType
  let layout: ChannelLayout
  let scales: UnsafePointer<Float>
  let zeroPoints: UnsafePointer<Int32>
  let input: UnsafeRawPointer
  let output: UnsafeMutableRawPointer

  init?(_ dtype: Int32, _ outer: Int, _ channels: Int, _ inner: Int,
        _ scales: UnsafePointer<Float>?, _ zeroPoints: UnsafePointer<Int32>?,
        _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?) throws(Status) {
    type = try DType(code: dtype)
    self.scales = try nonNull(scales)
    self.zeroPoints = try nonNull(zeroPoints)
    layout = try ChannelLayout(outer: outer, channels: channels, inner: inner, type: type,
                               scales: self.scales, zeroPoints: self.zeroPoints)
    if layout.isEmpty { return nil }
    self.input = try nonNull(input)
    self.output = try nonNull(output)
  }
}

@_cdecl("qnnps_quantize")
public func qnnps_quantize(
  _ outputDtype: Int32, _ outer: Int, _ channels: Int, _ inner: Int,
  _ input: UnsafePointer<Float>?, _ scales: UnsafePointer<Float>?, _ zeroPoints: UnsafePointer<Int32>?,
  _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    guard let call = try ChannelCall(outputDtype, outer, channels, inner, scales, zeroPoints, input, output) else { return }
    let input = call.input.assumingMemoryBound(to: Float.self)
    switch call.type {
    case .uint8: quantize(call.layout, input, call.scales, call.zeroPoints, call.output, UInt8.self)
    case .int8: quantize(call.layout, input, call.scales, call.zeroPoints, call.output, Int8.self)
    }
  }
}

private func quantize<T: QuantizedElement>(
  _ layout: ChannelLayout, _ input: UnsafePointer<Float>, _ scales: UnsafePointer<Float>,
  _ zeroPoints: UnsafePointer<Int32>, _ output: UnsafeMutableRawPointer, _: T.Type
) {
  let y = output.assumingMemoryBound(to: T.self)
  let avx2 = currentISA >= .avx2
  layout.forEachRun { c, first, count in
    let q = OutputQuantization(zeroPoint: zeroPoints[c], lo: T.qmin, hi: T.qmax)
    splitBlocks32(count, useAVX2: avx2) { n in
      q8QuantizeAVX2(signed: T.self == Int8.self, count: n, input: input + first, scale: scales[c],
                     quantization: q, output: y + first)
    } portable: { start, n in
      q8Quantize(count: n, input: input + first + start, scale: scales[c], quantization: q, output: y + first + start)
    }
  }
}

@_cdecl("qnnps_dequantize")
public func qnnps_dequantize(
  _ inputDtype: Int32, _ outer: Int, _ channels: Int, _ inner: Int,
  _ input: UnsafeRawPointer?, _ scales: UnsafePointer<Float>?, _ zeroPoints: UnsafePointer<Int32>?,
  _ output: UnsafeMutablePointer<Float>?
) -> Int32 {
  abiCall { () throws(Status) in
    guard let call = try ChannelCall(inputDtype, outer, channels, inner, scales, zeroPoints, input, output) else { return }
    let output = call.output.assumingMemoryBound(to: Float.self)
    switch call.type {
    case .uint8: dequantize(call.layout, call.input, call.scales, call.zeroPoints, output, UInt8.self)
    case .int8: dequantize(call.layout, call.input, call.scales, call.zeroPoints, output, Int8.self)
    }
  }
}

private func dequantize<T: QuantizedElement>(
  _ layout: ChannelLayout, _ input: UnsafeRawPointer, _ scales: UnsafePointer<Float>,
  _ zeroPoints: UnsafePointer<Int32>, _ output: UnsafeMutablePointer<Float>, _: T.Type
) {
  let x = input.assumingMemoryBound(to: T.self)
  let avx2 = currentISA >= .avx2
  layout.forEachRun { c, first, count in
    splitBlocks32(count, useAVX2: avx2) { n in
      q8DequantizeAVX2(signed: T.self == Int8.self, count: n, input: x + first, scale: scales[c],
                       zeroPoint: zeroPoints[c], output: output + first)
    } portable: { start, n in
      q8Dequantize(count: n, input: x + first + start, scale: scales[c], zeroPoint: zeroPoints[c],
                   output: output + first + start)
    }
  }
}

@_cdecl("qnnps_requantize")
public func qnnps_requantize(
  _ inputDtype: Int32, _ outputDtype: Int32, _ count: Int,
  _ inputScale: Float, _ inputZeroPoint: Int32, _ outputScale: Float, _ outputZeroPoint: Int32,
  _ outputMin: Int32, _ outputMax: Int32, _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let inType = try DType(code: inputDtype), outType = try DType(code: outputDtype)
    try checkScale(inputScale)
    try checkScale(outputScale)
    try inType.checkZeroPoint(inputZeroPoint)
    let q = try outType.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax)
    let multiplier = try checkMultiplier(inputScale / outputScale)
    try require(count >= 0)
    if count == 0 { return }
    let input = try nonNull(input), output = try nonNull(output)
    switch (inType, outType) {
    case (.uint8, .uint8): requantize(count, input, inputZeroPoint, multiplier, q, output, UInt8.self, UInt8.self)
    case (.uint8, .int8): requantize(count, input, inputZeroPoint, multiplier, q, output, UInt8.self, Int8.self)
    case (.int8, .uint8): requantize(count, input, inputZeroPoint, multiplier, q, output, Int8.self, UInt8.self)
    case (.int8, .int8): requantize(count, input, inputZeroPoint, multiplier, q, output, Int8.self, Int8.self)
    }
  }
}

private func requantize<I: QuantizedElement, O: QuantizedElement>(
  _ count: Int, _ input: UnsafeRawPointer, _ zeroPoint: Int32, _ multiplier: Float,
  _ q: OutputQuantization, _ output: UnsafeMutableRawPointer, _: I.Type, _: O.Type
) {
  let x = input.assumingMemoryBound(to: I.self), y = output.assumingMemoryBound(to: O.self)
  let avx2 = currentISA >= .avx2
  parallelRows(rows: 1, length: count) { _, start, n in
    if avx2 {
      q8RequantizeAVX2(signedInput: I.self == Int8.self, signedOutput: O.self == Int8.self, count: n, input: x + start,
                       zeroPoint: zeroPoint, multiplier: multiplier, quantization: q, output: y + start)
    } else {
      q8Requantize(count: n, input: x + start, zeroPoint: zeroPoint, multiplier: multiplier, quantization: q,
                   output: y + start)
    }
  }
}
