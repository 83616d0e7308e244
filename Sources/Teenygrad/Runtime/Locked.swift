import Foundation

/// A value behind a pthread mutex (`NSLock`): the runtime's one lock type.
///
/// `Synchronization.Mutex` would do the same job, but on Linux it hands a contended lock over through a
/// futex that ThreadSanitizer does not model, so every contended `withLock` reads as a data race there; a
/// pthread mutex keeps TSan runs of the thread pool and the GEMM scratch meaningful.
final class Locked<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value

  init(_ value: Value) { self.value = value }

  /// Runs `body` with exclusive access to the value.
  func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}
