/// A thread-safe memo of values built from their keys, emptied whenever it would grow past `capacity`: enough
/// for a training loop, which asks for the same few hundred keys every step.
final class BoundedCache<Key: Hashable, Value>: @unchecked Sendable {
  private let entries = Locked([Key: Value]())
  private let capacity: Int

  init(capacity: Int) { self.capacity = capacity }

  /// The value for `key`, built by `make` (outside the lock) the first time.
  func value(for key: Key, _ make: () -> Value) -> Value {
    if let value = entries.withLock({ $0[key] }) { return value }
    let value = make()
    entries.withLock { entries in
      if entries.count >= capacity { entries.removeAll() }
      entries[key] = value
    }
    return value
  }
}
