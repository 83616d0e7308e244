import Foundation

/// Every environment variable the library reads, read once at first use.
///
/// `DEBUG` follows tinygrad's ladder (1 lists kernels, 2 adds timings, 3 scheduler decisions, 4 fused
/// expressions); `TEENYGRAD_THREADS` sets the worker count; `TEENYGRAD_PROFILE` names a CSV file that gets
/// one row per kernel run; `MNIST_DIR` names the folder the MNIST files are read from.
enum EnvironmentFlags {
  /// All variables this registry knows, for `tools/sz` and documentation.
  static let names = ["DEBUG", "TEENYGRAD_THREADS", "TEENYGRAD_PROFILE", "MNIST_DIR"]

  static let debug: Int = integer("DEBUG") ?? 0
  static let threads: Int? = integer("TEENYGRAD_THREADS").flatMap { $0 > 0 ? $0 : nil }
  static let profilePath: String? = string("TEENYGRAD_PROFILE")
  static let mnistDir: String? = string("MNIST_DIR")

  private static func string(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
    return value
  }

  private static func integer(_ name: String) -> Int? {
    string(name).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
  }
}
