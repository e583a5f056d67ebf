import QNNPACKAVX2
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
    // Tasks of ~16 KB: whole rows, or parts of one (a channels-last conversion of a few images).
    let rowsPerTask = max(1, (1 << 14) / channels)
    let span = rowsPerTask > 1 ? groupChannels : max(1, (1 << 14) / groups)
    let spans = (groupChannels + span - 1) / span
    // Weighed as element operations (8 multiply-accumulates each), like the other byte kernels.
    parallelFor((rows + rowsPerTask - 1) / rowsPerTask * spans, work: 8 * rows * channels) { task in
      let (rowTask, part) = task.quotientAndRemainder(dividingBy: spans)
      let first = rowTask * rowsPerTask
      let count = min(rowsPerTask, rows - first), columns = part * span..<min(groupChannels, (part + 1) * span)
      if groups == 3 && currentISA >= .avx2 {
        x8Interleave3AVX2(rows: count, groupChannels: groupChannels, columns: columns, input: x + first * channels,
                          output: y + first * channels)
      } else {
        x8ChannelShuffle(rows: count, groups: groups, groupChannels: groupChannels,
                         columns: spans > 1 ? columns : nil, input: x + first * channels, output: y + first * channels)
      }
    }
  }
}
