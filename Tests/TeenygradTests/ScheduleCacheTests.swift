import Dispatch
import Synchronization
import Testing
@testable import Teenygrad

@Suite("Schedule cache")
struct ScheduleCacheTests {
  private static func values(_ count: Int, seed: Int) -> [Float] {
    (0..<count).map { Float(($0 * 7 + seed * 13) % 23) / 8 - 1.25 }
  }

  /// `(a - 2 b)` summed over rows, then a product with `w`: asymmetric in its inputs, with a GEMM and a reduce.
  private static func graph(_ a: Tensor, _ b: Tensor, _ w: Tensor) -> Tensor {
    (a - b * 2).matmul(w).relu().sum(axis: 0)
  }

  private static func reference(_ a: [Float], _ b: [Float], _ w: [Float], m: Int, k: Int, n: Int) -> [Double] {
    var out = [Double](repeating: 0, count: n)
    for j in 0..<n {
      for i in 0..<m {
        var s: Double = 0
        for p in 0..<k { s += (Double(a[i * k + p]) - 2 * Double(b[i * k + p])) * Double(w[p * n + j]) }
        out[j] += Swift.max(s, 0)
      }
    }
    return out
  }

  @Test("graphs of one structure share a signature and each gets its own inputs and outputs bound")
  func reusedScheduleBindsNewNodes() {
    let (m, k, n) = (37, 29, 21)
    let a = Self.values(m * k, seed: 1), b = Self.values(m * k, seed: 2), w = Self.values(k * n, seed: 3)
    let ta = Tensor(a, shape: [m, k]), tb = Tensor(b, shape: [m, k]), tw = Tensor(w, shape: [k, n])
    let first = Self.graph(ta, tb, tw), swapped = Self.graph(tb, ta, tw)
    #expect(GraphSignature([first.lazydata]).codes == GraphSignature([swapped.lazydata]).codes)
    for (result, expected) in [(first, Self.reference(a, b, w, m: m, k: k, n: n)),
                               (swapped, Self.reference(b, a, w, m: m, k: k, n: n))] {
      let got = result.toArray()
      for j in 0..<n { #expect(abs(Double(got[j]) - expected[j]) <= 1e-4 * Swift.max(1, abs(expected[j]))) }
    }
  }

  @Test("a different constant, view, sharing or output set gives a different signature")
  func signatureSeesWhatTheSchedulerReads() {
    let x = Tensor(Self.values(64, seed: 4), shape: [8, 8]), y = Tensor(Self.values(64, seed: 5), shape: [8, 8])
    let codes = { (outputs: [Tensor]) in GraphSignature(outputs.map(\.lazydata)).codes }
    let base = codes([(x * 2 + y).sum(axis: 1)])
    #expect(base == codes([(x * 2 + y).sum(axis: 1)]))
    #expect(base != codes([(x * 3 + y).sum(axis: 1)]))
    #expect(base != codes([(x.transpose() * 2 + y).sum(axis: 1)]))
    #expect(base != codes([(x * 2 + x).sum(axis: 1)]))
    let sum = x * 2 + y
    #expect(codes([sum.sum(axis: 1)]) != codes([sum.sum(axis: 1), sum]))
  }

  @Test("two nodes over one buffer are told apart from two buffers")
  func sharedMemoryIsPartOfTheSignature() {
    let buffer = LazyBuffer.fromFloats(Self.values(16, seed: 6), shape: [16], dtype: .float32)
    let other = LazyBuffer.fromFloats(Self.values(16, seed: 7), shape: [16], dtype: .float32)
    let alias = LazyBuffer.fromBuffer(buffer.realized!, shape: [16])
    let shared = Tensor(lazy: buffer) - Tensor(lazy: alias), distinct = Tensor(lazy: buffer) - Tensor(lazy: other)
    #expect(GraphSignature([shared.lazydata]).codes != GraphSignature([distinct.lazydata]).codes)
    #expect(shared.toArray() == [Float](repeating: 0, count: 16))
    let expected = zip(Self.values(16, seed: 6), Self.values(16, seed: 7)).map { $0 - $1 }
    #expect(distinct.toArray() == expected)
  }

  @Test("a training step's schedule, built again for new nodes, writes those nodes and gives the same values")
  func repeatedStepsBindTheirOwnNodes() {
    let x = Tensor(Self.values(6 * 5, seed: 8), shape: [6, 5])
    func gradient() -> Tensor {
      let w = Tensor(Self.values(5 * 3, seed: 9), shape: [5, 3], requiresGrad: true)
      (x.matmul(w).tanh() * x.matmul(w)).mean().backward()
      return w.grad!
    }
    let first = gradient(), second = gradient()
    let signature = GraphSignature([second.lazydata])
    #expect(GraphSignature([first.lazydata]).codes == signature.codes)
    let firstNodes = Set(GraphSignature([first.lazydata]).nodes.map(ObjectIdentifier.init))
    let secondNodes = Set(signature.nodes.map(ObjectIdentifier.init))
    _ = ScheduleCache.schedule([first.lazydata])
    let owners = ScheduleCache.schedule([second.lazydata]).buffers.compactMap(\.owner).map(ObjectIdentifier.init)
    #expect(!owners.isEmpty)
    #expect(owners.allSatisfy { secondNodes.contains($0) && !firstNodes.contains($0) })
    #expect(first.toArray() == second.toArray())
  }

  @Test("threads realizing graphs of one structure at once share its schedule and kernel routes, each on its own memory")
  func concurrentRealizesShareRoutes() {
    // Elementwise rows, a gather (a short broadcast inner axis), a reduce and a GEMM, every thread building
    // the same graph on its own inputs at the same time.
    let (m, k, n) = (9, 10, 7)
    let w = Self.values(k * n, seed: 10)
    let wrong = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: 4) { thread in
      for round in 0..<40 {
        let a = Self.values(m * k, seed: 11 + thread * 100 + round), b = Self.values(m, seed: 12 + thread)
        let ta = Tensor(a, shape: [m, k]), tb = Tensor(b, shape: [m, 1]), tw = Tensor(w, shape: [k, n])
        let y = ((ta - tb) * 0.5).matmul(tw)
        let got = (y * y + 1).sqrt().sum(axis: 1).toArray()
        for i in 0..<m {
          var expected: Double = 0
          for j in 0..<n {
            var s: Double = 0
            for p in 0..<k { s += (Double(a[i * k + p]) - Double(b[i])) * 0.5 * Double(w[p * n + j]) }
            expected += (s * s + 1).squareRoot()
          }
          if !(abs(Double(got[i]) - expected) <= 1e-4 * expected) { wrong.add(1, ordering: .relaxed) }
        }
      }
    }
    #expect(wrong.load(ordering: .relaxed) == 0)
  }
}
