/// `output[i] = table[input[i]]` over bytes: the elementwise lookup-table operators.
@inlinable
public func x8LookupPortable(
  count: Int, input: UnsafePointer<UInt8>, table: UnsafePointer<UInt8>, output: UnsafeMutablePointer<UInt8>
) {
  for i in 0..<count { output[i] = table[Int(input[i])] }
}

/// The 16 sub-tables `x8LookupAVX2` shuffles with, from a 256-entry table `t` seen as rows
/// `t_k = t[16k..<16k+16]`. The kernel XORs the shuffles of sub-table k at index `x − 16k`
/// (wrapping for k ≤ 8, saturating after), which are non-zero for k = 0…j when x = 16j + r
/// < 128, and for k = j+1…j+8 when x = 128 + 16j + r. So the sub-tables telescope:
/// `T_0 = t_0`, `T_k = t_k ^ t_(k−1)` (k = 1…7), `T_(8+j) = T_j ^ t_(8+j) ^ t_(7+j)` (j = 0…7).
@inlinable
public func x8LookupTelescopedTables(_ table: UnsafePointer<UInt8>, output: UnsafeMutablePointer<UInt8>) {
  for r in 0..<16 {
    output[r] = table[r]
    for k in 1..<8 { output[16 * k + r] = table[16 * k + r] ^ table[16 * (k - 1) + r] }
    for j in 0..<8 { output[16 * (8 + j) + r] = output[16 * j + r] ^ table[16 * (8 + j) + r] ^ table[16 * (7 + j) + r] }
  }
}
