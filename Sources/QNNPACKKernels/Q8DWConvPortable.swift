/// Depthwise convolution of one output pixel over all its output channels, in plain Swift with
/// 64-bit accumulators. Same contract as `q8DWConvPixelAVX2`.
@inlinable
public func q8DWConvPixelPortable<T: QuantizedElement>(
  outputChannels: Int, multiplier: Int, taps: Int,
  input: UnsafePointer<UnsafePointer<T>>, zeroPoint: Int32,
  blocks: UnsafeRawPointer, blockBytes: Int, output: UnsafeMutablePointer<T>,
  quantization: OutputQuantization
) {
  withUnsafeTemporaryAllocation(of: Int64.self, capacity: PackedWeights.lanes) { acc in
    var block = blocks
    for base in stride(from: 0, to: outputChannels, by: PackedWeights.lanes) {
      let columns = min(PackedWeights.lanes, outputChannels - base)
      let bias = block.assumingMemoryBound(to: Int32.self)
      let weights = (block + PackedWeights.headerBytes).assumingMemoryBound(to: Int16.self)
      for lane in 0..<PackedWeights.lanes {
        let c = PackedWeights.laneChannel[lane]
        var sum = Int64(bias[lane])
        if c < columns {
          let ic = (base + c) / multiplier
          for t in 0..<taps {
            let x = Int64(input[t][ic].int32 - zeroPoint)
            sum += x * Int64(weights[(t / 2) * 32 + 2 * lane + (t % 2)])
          }
        }
        acc[lane] = sum
      }
      storeLanes(acc, columns: columns, multiplier: (block + 64).assumingMemoryBound(to: Float.self),
                 output: output + base, quantization: quantization)
      block += blockBytes
    }
  }
}
