import Testing
import Teenygrad

/// Random factories: determinism under `manualSeed`, ranges, and moments of large samples.
@Suite struct OpsRandomTests {
  static func moments(_ values: [Float]) -> (mean: Double, std: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0) { $0 + Double($1) } / n
    let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
    return (mean, variance.squareRoot())
  }

  /// Draws inside the global-state lock so that no other test's draws interleave.
  static func seeded<R>(_ seed: UInt64, _ body: () -> R) -> R {
    GlobalState.serialized {
      Tensor.manualSeed(seed)
      return body()
    }
  }

  @Test func sameSeedSameValues() {
    let a = Self.seeded(1337) { (Tensor.rand(500).toArray(), Tensor.randn(3, 7).toArray()) }
    let b = Self.seeded(1337) { (Tensor.rand(500).toArray(), Tensor.randn(3, 7).toArray()) }
    #expect(a.0 == b.0)
    #expect(a.1 == b.1)
    let c = Self.seeded(1338) { Tensor.rand(500).toArray() }
    #expect(a.0 != c)
  }

  @Test func successiveDrawsDiffer() {
    let (a, b) = Self.seeded(7) { (Tensor.rand(100).toArray(), Tensor.rand(100).toArray()) }
    #expect(a != b)
  }

  @Test func randIsUniformOnUnitInterval() {
    let values = Self.seeded(1) { Tensor.rand(200, 250).toArray() }
    #expect(values.count == 50_000)
    #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
    let (mean, std) = Self.moments(values)
    #expect(Swift.abs(mean - 0.5) < 0.01)
    #expect(Swift.abs(std - 1 / 12.0.squareRoot()) < 0.01)
  }

  @Test func randnIsStandardNormal() {
    let values = Self.seeded(2) { Tensor.randn(50_000).toArray() }
    #expect(values.allSatisfy { $0.isFinite })
    let (mean, std) = Self.moments(values)
    #expect(Swift.abs(mean) < 0.03)
    #expect(Swift.abs(std - 1) < 0.03)
    let within1 = Double(values.filter { Swift.abs($0) < 1 }.count) / Double(values.count)
    #expect(Swift.abs(within1 - 0.6827) < 0.02)
  }

  @Test func normalHasMeanAndStd() {
    let values = Self.seeded(3) { Tensor.normal(50_000, mean: 3, std: 2).toArray() }
    let (mean, std) = Self.moments(values)
    #expect(Swift.abs(mean - 3) < 0.06)
    #expect(Swift.abs(std - 2) < 0.06)
  }

  @Test func uniformRespectsBounds() {
    let values = Self.seeded(4) { Tensor.uniform(50_000, low: -2, high: 5).toArray() }
    #expect(values.allSatisfy { $0 >= -2 && $0 < 5 })
    let (mean, std) = Self.moments(values)
    #expect(Swift.abs(mean - 1.5) < 0.1)
    #expect(Swift.abs(std - 7 / 12.0.squareRoot()) < 0.05)
  }

  @Test func randintIsInt32InRange() {
    let t = Self.seeded(5) { Tensor.randint(20_000, low: 3, high: 9) }
    #expect(t.dtype == .int32)
    let values = t.toArray()
    #expect(values.allSatisfy { $0 >= 3 && $0 < 9 && $0 == $0.rounded() })
    #expect(Set(values) == Set([3, 4, 5, 6, 7, 8]))
    #expect(Swift.abs(Self.moments(values).mean - 5.5) < 0.1)
    #expect(Self.seeded(6) { Tensor.randint(10) }.toArray().allSatisfy { $0 >= 0 && $0 < 10 })
  }

  @Test func initializersHaveTheirBounds() {
    let (scaled, glorot, kaiming) = Self.seeded(8) {
      (Tensor.scaledUniform(64, 32).toArray(), Tensor.glorotUniform(64, 32).toArray(),
       Tensor.kaimingUniform(64, 32, a: 0.01).toArray())
    }
    let bounds: [(String, [Float], Double)] = [
      ("scaledUniform", scaled, 1 / (64.0 * 32).squareRoot()),
      ("glorotUniform", glorot, (6.0 / (64 + 32)).squareRoot()),
      ("kaimingUniform", kaiming, 3.0.squareRoot() * (2 / (1 + 0.0001)).squareRoot() / 32.0.squareRoot()),
    ]
    for (name, values, bound) in bounds {
      #expect(values.count == 2048, "\(name)")
      #expect(values.allSatisfy { Double(Swift.abs($0)) <= bound * (1 + 1e-5) }, "\(name) stays within \(bound)")
      let std = Self.moments(values).std
      #expect(Swift.abs(std - bound / 3.0.squareRoot()) < 0.1 * bound, "\(name) std \(std)")
    }
  }

  @Test func requiresGradIsPassedThrough() {
    let (a, b, c) = Self.seeded(9) {
      (Tensor.rand(2, requiresGrad: true), Tensor.randn(2, requiresGrad: true), Tensor.uniform(2, requiresGrad: false))
    }
    #expect(a.requiresGrad == true)
    #expect(b.requiresGrad == true)
    #expect(c.requiresGrad == false)
  }

  @Test func multinomialFollowsWeights() {
    let certain = Self.seeded(10) { Tensor([0, 0, 1, 0] as [Float]).multinomial() }
    #expect(certain.dtype == .int32)
    #expect(certain.shape == [1])
    #expect(certain.toArray() == [2])

    let draws = Self.seeded(11) { Tensor([1, 3] as [Float]).multinomial(numSamples: 4000, replacement: true) }
    #expect(draws.shape == [4000])
    let ones = Double(draws.toArray().filter { $0 == 1 }.count) / 4000
    #expect(Swift.abs(ones - 0.75) < 0.03)

    let rows = Self.seeded(12) {
      Tensor([[1, 0], [0, 1]] as [[Float]]).multinomial(numSamples: 3, replacement: true)
    }
    #expect(rows.shape == [2, 3])
    #expect(rows.toArray() == [0, 0, 0, 1, 1, 1])
  }
}
