/// Fills one packed block (see `PackedWeights`) for `channels` ≤ `lanes` output channels and a
/// reduction of `reduction` steps (padded with zero weights to a whole pair). `narrow`: int8
/// weights (half the bytes per pair, same lane order) for kernels that stream weights
/// (few-row fully connected); every `weight` must then fit in int8. `lanes`: 16, or
/// `PackedWeights.halfLanes` for an AVX2 half block.
@inlinable
public func packWeightBlock(
  _ block: UnsafeMutableRawPointer, channels: Int, reduction: Int, narrow: Bool = false,
  lanes: Int = PackedWeights.lanes,
  weight: (_ channel: Int, _ k: Int) -> Int16,
  bias: (Int) -> Int32, multiplier: (Int) -> Float
) {
  writeBlockHeader(block, channels: channels, lanes: lanes, bias: bias, multiplier: multiplier)
  if narrow {
    packWeightPairs(block + PackedWeights.headerBytes, as: Int8.self, lanes, channels, reduction, weight)
  } else {
    packWeightPairs(block + PackedWeights.headerBytes, as: Int16.self, lanes, channels, reduction, weight)
  }
}

@inlinable
func packWeightPairs<W: FixedWidthInteger>(
  _ pairs: UnsafeMutableRawPointer, as _: W.Type, _ lanes: Int, _ channels: Int, _ reduction: Int,
  _ weight: (_ channel: Int, _ k: Int) -> Int16
) {
  let w = pairs.assumingMemoryBound(to: W.self)
  for p in 0..<(reduction + 1) / 2 {
    for lane in 0..<lanes {
      let c = PackedWeights.channel(lane: lane, of: lanes)
      for j in 0..<2 {
        let k = 2 * p + j
        w[p * 2 * lanes + 2 * lane + j] = c < channels && k < reduction ? W(weight(c, k)) : 0
      }
    }
  }
}
