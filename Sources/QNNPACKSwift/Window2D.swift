/// Kernel, stride, dilation and padding of a 2-D window over NHWC data, validated.
struct Window2D {
  let kernelHeight, kernelWidth: Int
  let strideHeight, strideWidth: Int
  let dilationHeight, dilationWidth: Int
  let padTop, padLeft, padBottom, padRight: Int

  init(kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int),
       padding: (top: Int, left: Int, bottom: Int, right: Int)) throws(Status) {
    try require(kernel.0 >= 1 && kernel.1 >= 1 && stride.0 >= 1 && stride.1 >= 1)
    try require(dilation.0 >= 1 && dilation.1 >= 1)
    try require(padding.top >= 0 && padding.left >= 0 && padding.bottom >= 0 && padding.right >= 0)
    (kernelHeight, kernelWidth) = kernel
    (strideHeight, strideWidth) = stride
    (dilationHeight, dilationWidth) = dilation
    (padTop, padLeft, padBottom, padRight) = padding
    // The tap count, the effective window and the padded sizes must be representable; a
    // window beyond Int is a bad parameter (no input can hold it), not an allocation failure.
    for (a, b) in [(kernelHeight, kernelWidth), (dilationHeight, kernelHeight), (dilationWidth, kernelWidth)] {
      try require(!a.multipliedReportingOverflow(by: b).overflow)
    }
    try require(padTop <= Int.max / 4 && padBottom <= Int.max / 4 && padLeft <= Int.max / 4 && padRight <= Int.max / 4)
  }

  var taps: Int { kernelHeight * kernelWidth }
  /// Output pixel i reads input pixel i alone (1×1, stride 1, no padding).
  var isPointwise: Bool {
    taps == 1 && strideHeight == 1 && strideWidth == 1 && padTop == 0 && padLeft == 0 && padBottom == 0
      && padRight == 0
  }
  var effectiveHeight: Int { dilationHeight * (kernelHeight - 1) + 1 }
  var effectiveWidth: Int { dilationWidth * (kernelWidth - 1) + 1 }

  /// PyTorch's pooling rule: padding at most half the effective window.
  func checkPoolingPadding() throws(Status) {
    try require(2 * max(padTop, padBottom) <= effectiveHeight && 2 * max(padLeft, padRight) <= effectiveWidth)
  }

  /// Output size for an input of `height` × `width`; the padded input must hold the window.
  func outputSize(height: Int, width: Int) throws(Status) -> (height: Int, width: Int) {
    try require(height >= 1 && width >= 1 && height <= Int.max / 4 && width <= Int.max / 4)
    let paddedHeight = height + padTop + padBottom
    let paddedWidth = width + padLeft + padRight
    try require(paddedHeight >= effectiveHeight && paddedWidth >= effectiveWidth)
    return ((paddedHeight - effectiveHeight) / strideHeight + 1,
            (paddedWidth - effectiveWidth) / strideWidth + 1)
  }

  /// Calls `body(tap, iy, ix)` for each tap of output pixel (oy, ox) inside the input.
  @inline(__always)
  func forEachValidTap(oy: Int, ox: Int, height: Int, width: Int, _ body: (Int, Int, Int) -> Void) {
    for ky in 0..<kernelHeight {
      let iy = oy * strideHeight - padTop + ky * dilationHeight
      if iy < 0 || iy >= height { continue }
      for kx in 0..<kernelWidth {
        let ix = ox * strideWidth - padLeft + kx * dilationWidth
        if ix < 0 || ix >= width { continue }
        body(ky * kernelWidth + kx, iy, ix)
      }
    }
  }
}
