import Foundation
import Testing
@testable import Teenygrad

/// backward(), gradient accumulation, requiresGrad, no-grad and training scopes, realize/assign/item.
@Suite struct OpsAutogradTests {
  @Test func backwardFillsLeafGradients() {
    let x = Tensor([1, -2, 3] as [Float], requiresGrad: true)
    let y = Tensor([0.5, 4, -1] as [Float], requiresGrad: true)
    (x * y + x.square()).sum().backward()
    expectClose(x.grad?.toArray() ?? [], [2.5, 0, 5] as [Float])
    expectClose(y.grad?.toArray() ?? [], [1, -2, 3] as [Float])
  }

  @Test func gradientsAccumulateAcrossBackwardCalls() {
    let x = Tensor([1, 2] as [Float], requiresGrad: true)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    expectClose(x.grad?.toArray() ?? [], [5, 5] as [Float])
  }

  @Test func reusedTensorGetsBothContributions() {
    let x = Tensor([3] as [Float], requiresGrad: true)
    let y = x * x * x
    y.sum().backward()
    expectClose(x.grad?.toArray() ?? [], [27] as [Float])
  }

  @Test func tensorsWithoutRequiresGradGetNoGradient() {
    let x = Tensor([1, 2] as [Float], requiresGrad: true)
    let unset = Tensor([3, 4] as [Float])
    let off = Tensor([5, 6] as [Float], requiresGrad: false)
    #expect(unset.requiresGrad == nil)
    #expect(off.requiresGrad == false)
    (x * unset * off).sum().backward()
    #expect(x.grad != nil)
    #expect(unset.grad == nil)
    #expect(off.grad == nil)
  }

  @Test("a result needs gradients if any input does, is undecided if any input is, and only then records its inputs")
  func resultFlagsAndRecordedInputs() {
    let flags: [Bool?] = [true, nil, false]
    func expected(_ inputs: [Bool?]) -> Bool? {
      inputs.contains(true) ? true : inputs.contains(nil) ? nil : false
    }
    func check(_ out: Tensor, _ inputs: [Bool?], _ label: String) {
      let want = expected(inputs)
      #expect(out.requiresGrad == want, "\(label) \(inputs)")
      #expect((out.context != nil) == (want == true), "\(label) \(inputs)")
      #expect(out.context.map { $0.needsInputGrad == inputs && $0.parents.count == inputs.count } ?? true, "\(label)")
    }
    for p in flags {
      let x = Tensor([1, -2] as [Float], requiresGrad: p)
      check(x.relu(), [p], "relu")
      check(x.reshape(2, 1), [p], "reshape")
      for q in flags {
        let y = Tensor([3, 4] as [Float], requiresGrad: q)
        check(x * y, [p, q], "mul")
        for r in flags {
          let condition = Tensor([1, 0] as [Float], requiresGrad: r)
          check(condition.where(x, y), [r, p, q], "where")
        }
      }
    }
    // Without gradient recording a result keeps its flag but records nothing.
    let x = Tensor([1, 2] as [Float], requiresGrad: true)
    let out = Tensor.withNoGrad { x * x }
    #expect(out.requiresGrad == true && out.context == nil)
  }

  @Test func backwardReturnsSelfAndSeedsOne() {
    let x = Tensor([2] as [Float], requiresGrad: true)
    let loss = x.square().sum()
    let returned = loss.backward()
    #expect(returned === loss)
    expectClose(loss.grad?.toArray() ?? [], [1] as [Float])
  }

  @Test func noGradBuildsNoGraph() {
    let x = Tensor([1, 2] as [Float], requiresGrad: true)
    let loss = Tensor.withNoGrad { (x * 2).sum() }
    loss.backward()
    #expect(x.grad == nil)
    struct Failure: Error {}
    #expect(throws: Failure.self) { try Tensor.withNoGrad { throw Failure() } }
  }

  @Test func noGradScopeBelongsToItsThread() {
    // Another thread holds a no-grad scope open while this one records and differentiates a graph.
    let inside = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), left = DispatchSemaphore(value: 0)
    let holder = Thread {
      Tensor.withNoGrad {
        inside.signal()
        release.wait()
      }
      left.signal()
    }
    holder.start()
    inside.wait()
    let x = Tensor([1, 2, 3] as [Float], requiresGrad: true)
    (x * x).sum().backward()
    release.signal()
    left.wait()
    expectClose(x.grad?.toArray() ?? [], [2, 4, 6] as [Float])
    let y = Tensor([1, 2] as [Float], requiresGrad: true)
    #expect(Tensor.withNoGrad { y * y }.context == nil)
    #expect((y * y).context != nil)
  }

  @Test func trainingScopeRestoresTheFlag() {
    GlobalState.serialized {
      let before = Tensor.training
      Tensor.withTraining { #expect(Tensor.training) }
      Tensor.withTraining(false) { #expect(!Tensor.training) }
      #expect(Tensor.training == before)
      Tensor.training = true
      #expect(Tensor.training)
      Tensor.training = before
    }
  }

  @Test func gradientOfIntermediateShapesMatch() {
    let x = Tensor((0..<6).map(Float.init), shape: [2, 3], requiresGrad: true)
    let b = Tensor([1, 2, 3] as [Float], requiresGrad: true)
    (x + b).sum().backward()
    #expect(x.grad?.shape == [2, 3])
    #expect(b.grad?.shape == [3])
    expectClose(b.grad?.toArray() ?? [], [2, 2, 2] as [Float])
  }

  /// A 2-d matmul is built in one step (`MatmulFn`); its value and gradients must be those of the
  /// reshape, transpose, broadcast multiply and sum it stands for, bit for bit, whatever views its inputs are.
  @Test func matrixProductIsTheBroadcastSumItStandsFor() {
    func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * 37 + seed) % 23) / 7 - 1.5 } }
    func viaSum(_ x: Tensor, _ w: Tensor) -> Tensor {
      let (m, k, n) = (x.shape[0], x.shape[1], w.shape[1])
      return (x.reshape([m, 1, k]) * w.reshape([1, k, n]).transpose(-1, -2)).sum(axis: -1)
    }
    // Plain, transposed (permuted strides), padded (masked) and shared inputs.
    let cases: [(Tensor, Tensor) -> (Tensor, Tensor)] = [
      { a, b in (a, b) },
      { a, b in (b.transpose(), a.transpose()) },
      { a, b in (a.pad([(1, 0), (0, 0)]), b) },
      { a, _ in (a.reshape([5, 7]).shrink([(0, 5), (0, 5)]), a.reshape([7, 5]).shrink([(0, 5), (0, 5)])) },
    ]
    for (index, makeInputs) in cases.enumerated() {
      var results: [[[Float]]] = []
      for useMatmul in [true, false] {
        let a = Tensor(values(35, index), shape: [5, 7], requiresGrad: true)
        let b = Tensor(values(21, index + 5), shape: [7, 3], requiresGrad: true)
        let (x, w) = makeInputs(a, b)
        let y = useMatmul ? x.matmul(w) : viaSum(x, w)
        (y * y).sum().backward()
        results.append([y.toArray(), a.grad?.toArray() ?? [], b.grad?.toArray() ?? []])
      }
      #expect(results[0] == results[1], "case \(index)")
      #expect(!results[0][1].isEmpty, "case \(index): no gradient reached the left input")
    }
  }

  @Test func realizeAssignItem() {
    let a = Tensor([1, 2, 3] as [Float])
    let lazy = a * 2
    #expect(lazy.realize() === lazy)
    expectClose(lazy.toArray(), [2, 4, 6] as [Float])
    let other = a + 1
    Tensor.realizeAll([lazy, other])
    expectClose(other.toArray(), [2, 3, 4] as [Float])

    let target = Tensor([0, 0, 0] as [Float]).realize()
    #expect(target.assign(Tensor([7, 8, 9] as [Float])) === target)
    expectClose(target.toArray(), [7, 8, 9] as [Float])
    target.assign(target * 2)
    expectClose(target.toArray(), [14, 16, 18] as [Float])

    #expect(Tensor([3.5] as [Float]).item() == 3.5)
    #expect(Tensor(Float(-2)).item() == -2)
    #expect(a.sum().item() == 6)
    #expect(Tensor([4] as [Int32]).item() == 4)
  }

  @Test func shapeProperties() {
    let t = Tensor.zeros(2, 3, 4)
    #expect(t.shape == [2, 3, 4])
    #expect(t.ndim == 3)
    #expect(t.numel == 24)
    #expect(Tensor(Float(1)).ndim == 0)
    #expect(Tensor(Float(1)).numel == 1)
    #expect(Tensor([[1, 2], [3, 4]] as [[Float]]).shape == [2, 2])
  }
}
