import QNNPACKKernels

/// `q8Softmax` compiled with AVX2 (four doubles a vector, gathers from the exp table); same
/// results, bit for bit. `signedIO`: int8 data, else uint8.
public func q8SoftmaxAVX2(
  signedIO: Bool, rows: Int, length: Int, inner: Int, input: UnsafeRawPointer, exps: UnsafePointer<Double>,
  outputScale: Double, quantization: OutputQuantization, output: UnsafeMutableRawPointer,
  scratch: UnsafeMutablePointer<Double>
) {
  if signedIO {
    q8Softmax(rows: rows, length: length, inner: inner, input: input.assumingMemoryBound(to: Int8.self), exps: exps,
              outputScale: outputScale, quantization: quantization, output: output.assumingMemoryBound(to: Int8.self),
              scratch: scratch)
  } else {
    q8Softmax(rows: rows, length: length, inner: inner, input: input.assumingMemoryBound(to: UInt8.self), exps: exps,
              outputScale: outputScale, quantization: quantization, output: output.assumingMemoryBound(to: UInt8.self),
              scratch: scratch)
  }
}
