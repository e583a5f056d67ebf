/// Depthwise convolution of `pixels` output pixels of one row, in plain Swift with 64-bit
/// accumulators. Taps as in `q8DWConvRowAVX2` (element offsets from `input`, negative: `zero`),
/// but the blocks' biases are not folded: inputs enter as `x − zeroPoint`.
@inlinable
public func q8DWConvRowPortable<T: QuantizedElement>(
  pixels: Int, channels: Int, taps: Int, offsets: UnsafePointer<Int>, step: Int,
  input: UnsafePointer<T>, zero: UnsafePointer<T>, zeroPoint: Int32,
  blocks: UnsafeRawPointer, blockBytes: Int, output: UnsafeMutablePointer<T>,
  quantization: OutputQuantization
) {
  let lanes = PackedWeights.lanes
  withUnsafeTemporaryAllocation(of: Int64.self, capacity: lanes) { acc in
    withUnsafeTemporaryAllocation(of: Int.self, capacity: lanes) { laneChannel in
      for lane in 0..<lanes { laneChannel[lane] = PackedWeights.laneChannel[lane] }
      for p in 0..<pixels {
        let entry = offsets + p * step
        let out = output + p * channels
        var block = blocks
        for base in stride(from: 0, to: channels, by: lanes) {
          let columns = min(lanes, channels - base)
          let bias = block.assumingMemoryBound(to: Int32.self)
          let weights = (block + PackedWeights.headerBytes).assumingMemoryBound(to: Int16.self)
          for lane in 0..<lanes { acc[lane] = Int64(bias[lane]) }
          for t in 0..<taps {
            let row = (entry[t] < 0 ? zero : input + entry[t]) + base
            let w = weights + (t / 2) * 32 + t % 2
            for lane in 0..<lanes where laneChannel[lane] < columns {
              acc[lane] += Int64(row[laneChannel[lane]].int32 - zeroPoint) * Int64(w[2 * lane])
            }
          }
          storeLanes(acc, columns: columns, multiplier: (block + 64).assumingMemoryBound(to: Float.self),
                     output: out + base, quantization: quantization)
          block += blockBytes
        }
      }
    }
  }
}
