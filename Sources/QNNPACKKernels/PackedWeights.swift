/// The packed layout of convolution and fully connected weights, shared by every ISA.
///
/// Output channels come in blocks of 16 "lanes". A block starts with a 128-byte header
/// (16 int32 biases, then 16 float32 requantization multipliers) followed by the weights as
/// pairs of int16 `(w[k] - w_zp, w[k+1] - w_zp)`, 16 lanes × 2 × int16 = 64 bytes per pair of
/// reduction steps. Lanes are not in channel order: lane `l` holds channel
/// `laneChannel[l]`, the order in which AVX2's `vpackssdw` of two 8-lane accumulators
/// yields the 16 channels in order, so the epilogue needs no shuffles.
///
/// Half blocks (`halfLanes`, for AVX2 only: the last block of a group with at most 8
/// channels) hold 8 lanes in channel order at the same header offsets, and half the bytes per
/// pair, so that tail costs half a block's multiply-adds. They fill the first half of a full
/// block's slot, keeping every block at the same stride.
public enum PackedWeights {
  public static let lanes = 16
  public static let halfLanes = 8
  public static let headerBytes = 128
  public static let pairBytes = 64
  public static let laneChannel: [Int] = [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15]

  /// int8 weights (`packWeightBlock(narrow: true)`): 16 lanes × 2 × int8 per pair.
  public static let narrowPairBytes = 32

  /// Bytes of one block with `pairs` reduction pairs.
  @inlinable
  public static func blockBytes(pairs: Int, narrow: Bool = false) -> Int {
    headerBytes + pairs * (narrow ? narrowPairBytes : pairBytes)
  }

  /// The channel of lane `lane` in a block of `lanes` lanes.
  @inlinable
  public static func channel(lane: Int, of lanes: Int) -> Int {
    lanes == halfLanes ? lane : laneChannel[lane]
  }
}

/// A block's header, written by the packers: `lanes` biases and multipliers.
@inlinable
public func writeBlockHeader(
  _ block: UnsafeMutableRawPointer, channels: Int, lanes: Int = PackedWeights.lanes,
  bias: (Int) -> Int32, multiplier: (Int) -> Float
) {
  let b = block.assumingMemoryBound(to: Int32.self)
  let m = (block + 64).assumingMemoryBound(to: Float.self)
  for lane in 0..<lanes {
    let c = PackedWeights.channel(lane: lane, of: lanes)
    b[lane] = c < channels ? bias(c) : 0
    m[lane] = c < channels ? multiplier(c) : 0
  }
}
