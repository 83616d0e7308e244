// swift-tools-version: 6.1
import PackageDescription

// Micro-benchmarks of the library's SIMD micro-kernels and of its thread pool, run with
// `swift package benchmark` from this folder. A package of its own, so the library's build and CI never
// build package-benchmark.
let package = Package(
  name: "TeenygradBenchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "Teenygrad", path: ".."),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: [
    .executableTarget(
      name: "KernelBenchmarks",
      dependencies: [
        .product(name: "Teenygrad", package: "Teenygrad"),
        .product(name: "Benchmark", package: "benchmark"),
      ],
      path: "KernelBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
