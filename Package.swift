// swift-tools-version: 6.1
import PackageDescription

/// Release builds get AVX2 + FMA code for the SIMD micro-kernels; without these flags
/// `SIMD8<Float>.addingProduct` lowers to a libm call per lane.
let simdFlags: [SwiftSetting] = [
  .unsafeFlags(["-Xcc", "-march=x86-64-v3", "-target-cpu", "haswell"]),
  // Release builds (what users and `tools/test` run) skip the runtime's dynamic exclusivity checks, about
  // 3% of the instructions of a small matmul's graph building and scheduling; debug builds keep them.
  .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
  name: "Teenygrad",
  products: [
    .library(name: "Teenygrad", targets: ["Teenygrad"]),
    .executable(name: "mnist", targets: ["mnist"]),
    .executable(name: "teeny-bench", targets: ["teeny-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CHwloc",
      pkgConfig: "hwloc",
      providers: [.apt(["libhwloc-dev"])]
    ),
    .systemLibrary(
      name: "CZlib",
      providers: [.apt(["zlib1g-dev"])]
    ),
    .systemLibrary(name: "CPrefetch"),
    .systemLibrary(name: "CVectorShuffle"),
    .systemLibrary(name: "CVectorMath"),
    .systemLibrary(name: "CSHA256"),
    .target(
      name: "Teenygrad",
      dependencies: ["CHwloc", "CZlib", "CPrefetch", "CVectorShuffle", "CVectorMath", "CSHA256"],
      swiftSettings: simdFlags
    ),
    .executableTarget(
      name: "mnist",
      dependencies: ["Teenygrad", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      swiftSettings: simdFlags
    ),
    .executableTarget(
      name: "teeny-bench",
      dependencies: ["Teenygrad", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      swiftSettings: simdFlags
    ),
    .testTarget(
      name: "TeenygradTests",
      dependencies: ["Teenygrad"],
      resources: [.copy("Fixtures")],
      swiftSettings: simdFlags
    ),
  ],
  swiftLanguageModes: [.v6]
)
