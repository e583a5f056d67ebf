import QNNPACKAVX2
import QNNPACKKernels
import Synchronization

/// The AVX2 path of an ungrouped 3×3, stride 1, undilated convolution: exact integer Winograd
/// F(2×4, 3×3), 24 multiplies per 2×4 outputs and channel pair instead of 72, or F(2×2, 3×3),
/// 16 per 2×2 instead of 36, where the larger sums of F(2×4) could leave int32.
///
/// Per 4×(w+2) input tile (stride 2 down, w along) `V = B₂ᵀ d B_w` of `d = x − x_zp` (int16,
/// `qs16Winograd2x4Input4x6AVX2` / `qs16Winograd2x2Input4x4AVX2`); per output channel
/// `U = G₂' g G_w'ᵀ` of `g = w − w_zp` with the integer `G₂' = 2G₂ = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]`
/// and `G₄' = 24G₄ = [[6,0,0],[-4,-4,-4],[-4,4,-4],[1,2,4],[1,-2,4],[0,0,24]]` (|U| ≤ 3·24·255);
/// per plane `xi` a GEMM `M[xi] = V[xi] · U[xi]` in int32 (`qs16IGEMM4x16AVX2Accumulators`); then
/// `A₂ᵀ M A_w` = 4× (F(2×2)) or 48× (F(2×4)) the sum, scaled back and requantized like the direct
/// path (`q8Winograd2x2OutputAVX2` / `q8Winograd2x4OutputAVX2`). The int32 arithmetic may wrap
/// in between (linear modulo 2³²); the end result is exact where 4·255·Σ|w − w_zp| (F(2×2)) or
/// 16·255·Σ|w − w_zp| (F(2×4), scaled back through 3⁻¹ mod 2³²) fits in int32.
final class Winograd3x3: @unchecked Sendable {
  /// Outputs of a tile along a row (2 or 4); a tile has 4 × (tileWidth + 2) planes.
  let tileWidth, planes: Int
  let channels, paddedChannels, outputChannels, blocks: Int
  let padTop, padLeft: Int
  let inputType: DType
  let inputZeroPoint: Int32
  let quantization: OutputQuantization
  /// Plane after plane, `blocks` packed blocks of `U` (zero biases: the biases are added to
  /// the sums once they are scaled back).
  let packed: AlignedBuffer
  let blockBytes: Int
  /// Per block of 16 output channels, the header with the real biases and multipliers.
  let headers: AlignedBuffer
  private let cachedWorkspace = Locked<WinogradWorkspace?>(nil)

  /// The Winograd path of a convolution, or nil where it does not apply or does not pay.
  static func make(window w: Window2D, gemm: GroupedGEMMWeights, arguments: GEMMArguments,
                   kernelISA: ISA) throws(Status) -> Winograd3x3? {
    guard kernelISA == .avx2, gemm.groups == 1, w.kernelHeight == 3, w.kernelWidth == 3,
          w.strideHeight == 1, w.strideWidth == 1, w.dilationHeight == 1, w.dilationWidth == 1,
          gemm.groupInputChannels >= 16, gemm.groupOutputChannels >= 16 else { return nil }
    let largest = (0..<gemm.rows).map { r in
      (0..<(9 * gemm.groupInputChannels)).reduce(Int64(0)) { $0 + Int64(gemm.weight(r, $1).magnitude) }
    }.max() ?? 0
    let tileWidth = 16 * 255 * largest <= Int64(Int32.max) ? 4 : 4 * 255 * largest <= Int64(Int32.max) ? 2 : 0
    if tileWidth == 0 { return nil }
    return try Winograd3x3(window: w, gemm: gemm, arguments: arguments, tileWidth: tileWidth)
  }

  private init(window: Window2D, gemm: GroupedGEMMWeights, arguments: GEMMArguments,
               tileWidth: Int) throws(Status) {
    self.tileWidth = tileWidth
    planes = 4 * (tileWidth + 2)
    channels = gemm.groupInputChannels
    paddedChannels = gemm.paddedChannels
    outputChannels = gemm.groupOutputChannels
    blocks = gemm.blocksPerGroup
    padTop = window.padTop
    padLeft = window.padLeft
    inputType = arguments.inputType
    inputZeroPoint = arguments.inputZeroPoint
    quantization = arguments.output

    let c = channels, n = outputChannels
    blockBytes = PackedWeights.blockBytes(pairs: paddedChannels / 2)
    packed = try AlignedBuffer(byteCount: checkedProduct(planes, blocks, blockBytes))
    headers = try AlignedBuffer(byteCount: checkedProduct(blocks, PackedWeights.headerBytes))
    for b in 0..<blocks {
      let base = 16 * b
      writeBlockHeader(headers.pointer + b * PackedWeights.headerBytes, channels: min(16, n - base),
                       bias: { gemm.bias(base + $0) }, multiplier: { gemm.multiplier(base + $0) })
    }
    // U written straight into the `PackedWeights` layout (the per-element closures of
    // `packWeightBlock` cost tens of ms on large layers): zero headers, padding lanes and pad
    // channel; U[xi][row][ic] at block (xi, row / 16), lane of row % 16, pair ic / 2.
    packed.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: packed.byteCount)
    let laneOf = (0..<PackedWeights.lanes).map { PackedWeights.laneChannel.firstIndex(of: $0)! }
    // G₂' and G_w' applied to a kernel column / row (a, b, c); the first 4 or 6 lanes.
    @inline(__always) func spread(_ a: Int32, _ b: Int32, _ c: Int32) -> SIMD8<Int32> {
      SIMD8(2 * a, a + b + c, a - b + c, 2 * c, 0, 0, 0, 0)
    }
    @inline(__always) func widen(_ a: Int32, _ b: Int32, _ c: Int32) -> SIMD8<Int32> {
      tileWidth == 2 ? spread(a, b, c)
        : SIMD8(6 * a, -4 * (a + b + c), -4 * (a - b + c), a + 2 * b + 4 * c, a - 2 * b + 4 * c, 24 * c, 0, 0)
    }
    let width = tileWidth + 2
    let kernel = try AlignedBuffer(count: 9 * c, of: Int32.self)
    let g = kernel.typed(Int32.self)
    let u = packed.typed(Int16.self), plane = blocks * blockBytes / 2, pair = PackedWeights.pairBytes / 2
    for r in 0..<n {
      for k in 0..<(9 * c) { g[k] = Int32(gemm.weight(r, k)) }
      let (b, channel) = r.quotientAndRemainder(dividingBy: 16)
      let lane = (b * blockBytes + PackedWeights.headerBytes) / 2 + 2 * laneOf[channel]
      for ic in 0..<c {
        // G₂' applied to the kernel's columns, then G_w' to the rows of that; xi = width·i + j.
        let c0 = spread(g[ic], g[3 * c + ic], g[6 * c + ic])
        let c1 = spread(g[c + ic], g[4 * c + ic], g[7 * c + ic])
        let c2 = spread(g[2 * c + ic], g[5 * c + ic], g[8 * c + ic])
        let element = lane + (ic / 2) * pair + ic % 2
        for i in 0..<4 {
          let row = widen(c0[i], c1[i], c2[i])
          for j in 0..<width { u[(width * i + j) * plane + element] = Int16(row[j]) }
        }
      }
    }
  }

  /// Whether an output of this size runs here: a single row or column of outputs would waste
  /// half or more of every tile (F(2×2): 8 multiplies per output against the direct 9).
  static func pays(outputSize: (height: Int, width: Int)) -> Bool {
    outputSize.height >= 2 && outputSize.width >= 2
  }

  func run(batch: Int, height: Int, width inputWidth: Int, outputSize: (height: Int, width: Int),
           input: UnsafeRawPointer, output: UnsafeMutableRawPointer) throws(Status) {
    let (oh, ow) = outputSize
    let tw = tileWidth, width = tileWidth + 2
    let tilesHigh = (oh + 1) / 2, tilesWide = (ow + tw - 1) / tw
    let tiles = try checkedProduct(batch, tilesHigh, tilesWide)
    let workspace = try takeWorkspace(batch: batch, height: height, width: inputWidth, tiles: tiles)
    defer { cachedWorkspace.offer(workspace) }

    let cp = paddedChannels, n = outputChannels
    let rows = workspace.rows
    convertToS16Rows(inputType, input, pixels: batch * height * inputWidth, groups: 1, channels: channels,
                     paddedChannels: cp, zeroPoint: inputZeroPoint, output: rows.rows)
    let perTask = workspace.tilesPerTask, blocksPerTask = workspace.blocksPerTask
    let tileTasks = (tiles + perTask - 1) / perTask, parts = (blocks + blocksPerTask - 1) / blocksPerTask
    let tileImage = tilesHigh * tilesWide
    let signedOutput = inputType == .int8
    parallelFor(tileTasks * parts, work: tiles * planes * cp * n) { task in
      let index = workspace.acquire()
      defer { workspace.release(index) }
      let slot = workspace.slots[index]
      let (tileTask, part) = task.quotientAndRemainder(dividingBy: parts)
      let first = tileTask * perTask, count = min(perTask, tiles - first)
      let pixels = slot.pixels
      for t in 0..<count {
        let (image, tile) = (first + t).quotientAndRemainder(dividingBy: tileImage)
        let (ty, tx) = tile.quotientAndRemainder(dividingBy: tilesWide)
        for i in 0..<4 {
          let iy = 2 * ty - padTop + i
          for j in 0..<width {
            let ix = tw * tx - padLeft + j
            let inside = 0 <= iy && iy < height && 0 <= ix && ix < inputWidth
            pixels[width * i + j] = inside
              ? UnsafePointer(rows.rows + ((image * height + iy) * inputWidth + ix) * cp) : rows.zero
          }
        }
        let transformed = slot.transformed + t * cp
        if tw == 4 {
          qs16Winograd2x4Input4x6AVX2(pixels: pixels, channels: cp, output: transformed, planeStride: perTask * cp)
        } else {
          qs16Winograd2x2Input4x4AVX2(pixels: pixels, channels: cp, output: transformed, planeStride: perTask * cp)
        }
      }
      for b in (part * blocksPerTask)..<min(blocks, (part + 1) * blocksPerTask) {
        for xi in 0..<planes {
          qs16IGEMM4x16AVX2Accumulators(
            rows: count, taps: 1, pairsPerTap: cp / 2, a: slot.planeRows + xi * perTask, aOffset: 0,
            block: packed.pointer + (xi * blocks + b) * blockBytes, output: slot.sums + xi * perTask * 16,
            outputStride: 16)
        }
        let header = UnsafeRawPointer(headers.pointer + b * PackedWeights.headerBytes)
        for t in 0..<count {
          let (image, tile) = (first + t).quotientAndRemainder(dividingBy: tileImage)
          let (ty, tx) = tile.quotientAndRemainder(dividingBy: tilesWide)
          let oy = 2 * ty, ox = tw * tx
          let store = tw == 4 ? q8Winograd2x4OutputAVX2 : q8Winograd2x2OutputAVX2
          store(slot.sums + t * 16, perTask * 16, header, quantization, signedOutput, min(16, n - 16 * b),
                output + ((image * oh + oy) * ow + ox) * n + 16 * b, ow * n, n, min(2, oh - oy), min(tw, ow - ox))
        }
      }
    }
  }

  /// The cached workspace if it fits this input shape and thread count, else a new one.
  /// Concurrent runs each get their own.
  private func takeWorkspace(batch: Int, height: Int, width: Int, tiles: Int) throws(Status) -> WinogradWorkspace {
    let cached = cachedWorkspace.take()
    let threads = min(threadCount, WinogradWorkspace.maxSlots)
    if let cached, cached.batch == batch, cached.height == height, cached.width == width,
       cached.slots.count == threads {
      return cached
    }
    // V of a task (16 or 24 planes of int16 rows) within about 96 KiB of L2, in whole 4-row
    // tiles of the GEMM. Results do not depend on the split: every tile is computed alike.
    let perTask = max(4, min(64, 49152 / (planes * paddedChannels)) & ~3)
    // Too few tile tasks to keep the threads busy: the output channels are split too (each
    // part transforms its tiles again, a few % of the work).
    let tileTasks = (tiles + perTask - 1) / perTask
    let parts = threads > 1 ? min(blocks, (4 * threads + tileTasks - 1) / tileTasks) : 1
    let blocksPerTask = (blocks + parts - 1) / parts
    let rows = try S16Rows(pixels: checkedProduct(batch, height, width), rowLength: paddedChannels)
    var slots: [WinogradSlot] = []
    for _ in 0..<threads {
      slots.append(try WinogradSlot(tiles: perTask, planes: planes, paddedChannels: paddedChannels))
    }
    return WinogradWorkspace(batch: batch, height: height, width: width, tilesPerTask: perTask,
                             blocksPerTask: blocksPerTask, rows: rows, slots: slots)
  }
}

/// Input rows of one input shape and a scratch slot per thread.
final class WinogradWorkspace: @unchecked Sendable {
  let batch, height, width: Int
  /// A task's tiles and blocks of 16 output channels.
  let tilesPerTask, blocksPerTask: Int
  let rows: S16Rows
  let slots: [WinogradSlot]
  /// Bit i set: slot i is free (claimed without a lock).
  private let free: Atomic<UInt64>
  static let maxSlots = UInt64.bitWidth

  init(batch: Int, height: Int, width: Int, tilesPerTask: Int, blocksPerTask: Int, rows: S16Rows,
       slots: [WinogradSlot]) {
    self.batch = batch
    self.height = height
    self.width = width
    self.tilesPerTask = tilesPerTask
    self.blocksPerTask = blocksPerTask
    self.rows = rows
    self.slots = slots
    free = Atomic(slots.count == Self.maxSlots ? ~0 : (1 << UInt64(slots.count)) - 1)
  }

  /// A free slot. A task waits only if the thread count grew since the workspace was made
  /// (or exceeds `maxSlots`).
  func acquire() -> Int {
    while true {
      let word = free.load(ordering: .relaxed)
      if word != 0 {
        let i = word.trailingZeroBitCount
        if free.compareExchange(expected: word, desired: word & ~(1 << UInt64(i)), ordering: .acquiring).exchanged {
          return i
        }
      }
    }
  }

  func release(_ index: Int) { free.bitwiseOr(1 << UInt64(index), ordering: .releasing) }
}

/// One task's scratch: the transformed input tiles (`tiles` int16 rows per plane), the GEMM
/// row pointers into them, the int32 sums of one block of 16 output channels, and a tile's
/// input row pointers (one per plane).
final class WinogradSlot: @unchecked Sendable {
  let buffer: AlignedBuffer
  let transformed: UnsafeMutablePointer<Int16>
  let planeRows: UnsafePointer<UnsafePointer<Int16>>
  let sums: UnsafeMutablePointer<Int32>
  let pixels: UnsafeMutablePointer<UnsafePointer<Int16>>

  init(tiles: Int, planes: Int, paddedChannels: Int) throws(Status) {
    let rowsBytes = try checkedProduct(planes, tiles, paddedChannels, 2)
    let tableBytes = try checkedProduct(planes, tiles, 8)
    let sumsBytes = try checkedProduct(planes, tiles, 16, 4)
    let round = { (bytes: Int) in (bytes + 63) & ~63 }
    buffer = try AlignedBuffer(byteCount: round(rowsBytes) + round(tableBytes) + sumsBytes + planes * 8)
    transformed = buffer.typed(Int16.self)
    let table = (buffer.pointer + round(rowsBytes)).assumingMemoryBound(to: UnsafePointer<Int16>.self)
    for r in 0..<(planes * tiles) { table[r] = UnsafePointer(transformed + r * paddedChannels) }
    planeRows = UnsafePointer(table)
    sums = (buffer.pointer + round(rowsBytes) + round(tableBytes)).assumingMemoryBound(to: Int32.self)
    pixels = (buffer.pointer + round(rowsBytes) + round(tableBytes) + sumsBytes)
      .assumingMemoryBound(to: UnsafePointer<Int16>.self)
  }
}
