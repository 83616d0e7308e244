import Foundation

/// A value behind an `NSLock` (a pthread mutex, which ThreadSanitizer models), for tests that gather results
/// from every worker of the pool.
final class Locked<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value

  init(_ value: Value) { self.value = value }

  func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}
