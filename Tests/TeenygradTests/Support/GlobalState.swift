import Foundation

/// Serializes the tests that change or depend on process-wide state (the random seed, `Tensor.training`),
/// since Swift Testing runs tests in parallel.
enum GlobalState {
  private static let lock = NSLock()

  static func serialized<R>(_ body: () throws -> R) rethrows -> R {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }
}
