import QNNPACKKernels

/// Channel shuffle over the last axis: `[rows, groups · group_channels]` bytes of either
/// dtype (values are only moved).
@_cdecl("qnnps_channel_shuffle")
public func qnnps_channel_shuffle(
  _ rows: Int, _ groups: Int, _ groupChannels: Int, _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    try require(rows >= 0 && groups >= 1 && groupChannels >= 1)
    let channels = try checkedProduct(groups, groupChannels)
    _ = try checkedProduct(rows, channels)
    if rows == 0 { return }
    let x = try nonNull(input).assumingMemoryBound(to: UInt8.self)
    let y = try nonNull(output).assumingMemoryBound(to: UInt8.self)
    let rowsPerTask = max(1, (1 << 14) / channels)
    parallelFor((rows + rowsPerTask - 1) / rowsPerTask, work: rows * channels) { task in
      let first = task * rowsPerTask
      x8ChannelShuffle(rows: min(rowsPerTask, rows - first), groups: groups, groupChannels: groupChannels,
                       input: x + first * channels, output: y + first * channels)
    }
  }
}
