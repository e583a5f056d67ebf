@inlinable
public func q8Clamp<T: QuantizedElement>(
  count: Int, input: UnsafePointer<T>, lo: T, hi: T, output: UnsafeMutablePointer<T>
) {
  for i in 0..<count { output[i] = Swift.min(Swift.max(input[i], lo), hi) }
}
