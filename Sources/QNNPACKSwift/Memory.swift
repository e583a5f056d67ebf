#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An owned, 64-byte aligned allocation. Allocation failure is a status, not a trap.
final class AlignedBuffer {
  let pointer: UnsafeMutableRawPointer
  let byteCount: Int

  init(byteCount: Int) throws(Status) {
    var p: UnsafeMutableRawPointer?
    guard posix_memalign(&p, 64, max(byteCount, 64)) == 0, let p else { throw Status.outOfMemory }
    pointer = p
    self.byteCount = byteCount
  }

  convenience init(count: Int, of type: (some Any).Type) throws(Status) {
    try self.init(byteCount: checkedProduct(count, MemoryLayout.stride(ofValue: type)))
  }

  func typed<T>(_: T.Type) -> UnsafeMutablePointer<T> { pointer.assumingMemoryBound(to: T.self) }

  deinit { free(pointer) }
}

/// A value behind a pthread mutex: the operators' caches. (`Synchronization.Mutex` locks
/// through a futex that ThreadSanitizer cannot see, so it reported every cache as a race.)
final class Locked<Value>: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private var value: Value

  init(_ value: Value) {
    self.value = value
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}

extension Locked {
  /// An operator's cached workspace, taken out: a concurrent run finds none and makes its own.
  func take<Wrapped>() -> Wrapped? where Value == Wrapped? { withLock { $0.take() } }

  /// Caches `value` again unless another run already has.
  func offer<Wrapped>(_ value: Wrapped) where Value == Wrapped? { withLock { if $0 == nil { $0 = value } } }
}

/// Runs `body` on `byteCount` bytes (64-byte aligned) of this thread's scratch, which grows on
/// demand and is freed when the thread exits: for per-task buffers that would otherwise be a
/// `malloc` and `free` per task (`withUnsafeTemporaryAllocation` takes the heap beyond 1 KB).
/// Not reentrant on one thread. Falls back to a temporary allocation if the scratch cannot grow.
func withThreadScratch<Result>(byteCount: Int, _ body: (UnsafeMutableRawPointer) -> Result) -> Result {
  // The first 64 bytes hold the capacity.
  var block = pthread_getspecific(threadScratchKey)
  if block.map({ $0.load(as: Int.self) }) ?? -1 < byteCount {
    var grown: UnsafeMutableRawPointer?
    if posix_memalign(&grown, 64, 64 + byteCount) == 0, let grown {
      free(block)
      grown.storeBytes(of: byteCount, as: Int.self)
      pthread_setspecific(threadScratchKey, grown)
      block = grown
    } else {
      return withUnsafeTemporaryAllocation(byteCount: byteCount, alignment: 64) { body($0.baseAddress!) }
    }
  }
  return body(block! + 64)
}

private let threadScratchKey: pthread_key_t = {
  var key = pthread_key_t()
  pthread_key_create(&key) { free($0) }
  return key
}()
