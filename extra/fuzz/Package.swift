// swift-tools-version: 6.1
import PackageDescription

/// libFuzzer targets for the parsers that read outside data. Kept out of the root package so its normal build
/// and tests are unaffected; `tools/fuzz` builds these with `--sanitize=fuzzer --sanitize=address` and runs them.
let package = Package(
  name: "TeenygradFuzz",
  dependencies: [
    .package(name: "Teenygrad", path: "../.."),
  ],
  targets: [
    .executableTarget(
      name: "FuzzIDX",
      dependencies: [.product(name: "Teenygrad", package: "Teenygrad")]
    ),
    .executableTarget(
      name: "FuzzSafetensors",
      dependencies: [.product(name: "Teenygrad", package: "Teenygrad")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
