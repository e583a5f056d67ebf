import QNNPACKKernels

/// `q8NormalizeRows` compiled with AVX2 (four doubles a vector, and the conversions the
/// baseline lacks); same results, bit for bit. `signedIO`: int8 data, else uint8.
public func q8NormalizeRowsAVX2(
  signedIO: Bool, rows: Int, channels: Int, input: UnsafeRawPointer, inputScale: Double,
  inputZeroPoint: Int32, mean: UnsafePointer<Double>, factor: UnsafePointer<Double>,
  shift: UnsafePointer<Double>, quantization: OutputQuantization, output: UnsafeMutableRawPointer
) {
  if signedIO {
    q8NormalizeRows(rows: rows, channels: channels, input: input.assumingMemoryBound(to: Int8.self),
                    inputScale: inputScale, inputZeroPoint: inputZeroPoint, mean: mean, factor: factor,
                    shift: shift, quantization: quantization, output: output.assumingMemoryBound(to: Int8.self))
  } else {
    q8NormalizeRows(rows: rows, channels: channels, input: input.assumingMemoryBound(to: UInt8.self),
                    inputScale: inputScale, inputZeroPoint: inputZeroPoint, mean: mean, factor: factor,
                    shift: shift, quantization: quantization, output: output.assumingMemoryBound(to: UInt8.self))
  }
}
