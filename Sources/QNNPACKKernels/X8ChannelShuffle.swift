/// Channel shuffle of `rows` rows of `groups × groupChannels` bytes: output channel
/// `j·groups + g` is input channel `g·groupChannels + j` (a transpose per row).
@inlinable
public func x8ChannelShuffle(
  rows: Int, groups: Int, groupChannels: Int, input: UnsafePointer<UInt8>, output: UnsafeMutablePointer<UInt8>
) {
  let channels = groups &* groupChannels
  for r in 0..<rows {
    let x = input + r &* channels, y = output + r &* channels
    for j in 0..<groupChannels {
      for g in 0..<groups { y[j &* groups &+ g] = x[g &* groupChannels &+ j] }
    }
  }
}
