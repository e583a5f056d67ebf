/// Fills one packed block (see `PackedWeights`) for `channels` ≤ 16 output channels and a
/// reduction of `reduction` steps (padded with zero weights to a whole pair).
@inlinable
public func packWeightBlock(
  _ block: UnsafeMutableRawPointer, channels: Int, reduction: Int,
  weight: (_ channel: Int, _ k: Int) -> Int16,
  bias: (Int) -> Int32, multiplier: (Int) -> Float
) {
  writeBlockHeader(block, channels: channels, bias: bias, multiplier: multiplier)
  let w = (block + PackedWeights.headerBytes).assumingMemoryBound(to: Int16.self)
  let pairs = (reduction + 1) / 2
  for p in 0..<pairs {
    for lane in 0..<PackedWeights.lanes {
      let c = PackedWeights.laneChannel[lane]
      for j in 0..<2 {
        let k = 2 * p + j
        w[p * 32 + 2 * lane + j] = c < channels && k < reduction ? weight(c, k) : 0
      }
    }
  }
}

/// The same block with int8 weights (`PackedWeights.narrowPairBytes` per pair, same lane
/// order), for kernels that stream weights (batch-1 fully connected): every `weight` must fit
/// in int8.
@inlinable
public func packNarrowWeightBlock(
  _ block: UnsafeMutableRawPointer, channels: Int, reduction: Int,
  weight: (_ channel: Int, _ k: Int) -> Int16,
  bias: (Int) -> Int32, multiplier: (Int) -> Float
) {
  writeBlockHeader(block, channels: channels, bias: bias, multiplier: multiplier)
  let w = (block + PackedWeights.headerBytes).assumingMemoryBound(to: Int8.self)
  let pairs = (reduction + 1) / 2
  for p in 0..<pairs {
    for lane in 0..<PackedWeights.lanes {
      let c = PackedWeights.laneChannel[lane]
      for j in 0..<2 {
        let k = 2 * p + j
        w[p * 32 + 2 * lane + j] = c < channels && k < reduction ? Int8(weight(c, k)) : 0
      }
    }
  }
}
