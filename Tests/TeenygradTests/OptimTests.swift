import Testing
import Teenygrad

/// SGD, Adam, AdamW and LAMB on teenygrad's TinyNet against Fixtures/ops/optim.json, plus the optimizer
/// contract (parameter deduplication, `requiresGrad` promotion, `zeroGrad`).
@Suite struct OptimTests {
  static let optimizers: [String: @Sendable ([Tensor]) -> any Optimizer] = [
    "sgd": { SGD($0, lr: 0.001) },
    "sgd_high_lr": { SGD($0, lr: 10) },
    "sgd_wd": { SGD($0, lr: 0.001, weightDecay: 0.1) },
    "sgd_high_lr_wd": { SGD($0, lr: 10, weightDecay: 0.1) },
    "sgd_multistep": { SGD($0, lr: 0.001) },
    "sgd_multistep_high_lr": { SGD($0, lr: 10) },
    "sgd_multistep_wd": { SGD($0, lr: 0.001, weightDecay: 0.1) },
    "sgd_multistep_high_lr_wd": { SGD($0, lr: 9, weightDecay: 0.1) },
    "sgd_multistep_momentum": { SGD($0, lr: 0.001, momentum: 0.9) },
    "sgd_multistep_high_lr_momentum": { SGD($0, lr: 10, momentum: 0.9) },
    "sgd_multistep_momentum_wd": { SGD($0, lr: 0.001, momentum: 0.9, weightDecay: 0.1) },
    "sgd_multistep_high_lr_momentum_wd": { SGD($0, lr: 10, momentum: 0.9, weightDecay: 0.1) },
    "sgd_multistep_nesterov": { SGD($0, lr: 0.001, momentum: 0.9, nesterov: true) },
    "sgd_multistep_high_lr_nesterov": { SGD($0, lr: 10, momentum: 0.9, nesterov: true) },
    "sgd_multistep_nesterov_wd": { SGD($0, lr: 0.001, momentum: 0.9, weightDecay: 0.1, nesterov: true) },
    "sgd_multistep_high_lr_nesterov_wd": { SGD($0, lr: 9, momentum: 0.9, weightDecay: 0.1, nesterov: true) },
    "adam": { Adam($0, lr: 0.001) },
    "adam_high_lr": { Adam($0, lr: 10) },
    "adam_multistep": { Adam($0, lr: 0.001) },
    "adam_multistep_high_lr": { Adam($0, lr: 10) },
    "adam_multistep_betas": { Adam($0, lr: 0.01, b1: 0.8, b2: 0.99, eps: 1e-6) },
    "adamw": { AdamW($0, lr: 0.001) },
    "adamw_high_lr": { AdamW($0, lr: 10) },
    "adamw_multistep": { AdamW($0, lr: 0.001) },
    "adamw_multistep_high_lr": { AdamW($0, lr: 10) },
    "adamw_multistep_wd": { AdamW($0, lr: 0.01, weightDecay: 0.1) },
    "lamb": { LAMB($0, lr: 0.001) },
    "lamb_multistep": { LAMB($0, lr: 0.001) },
    "lamb_multistep_wd": { LAMB($0, lr: 0.01, weightDecay: 0.01) },
    "lamb_multistep_adam": { LAMB($0, lr: 0.01, adam: true) },
  ]

  /// teenygrad's TinyNet loss: sum(logSoftmax(relu(x @ W)) * m + m).
  static func tinyNetLoss(_ x: Tensor, _ w: Tensor, _ m: Tensor) -> Tensor {
    x.matmul(w).relu().logSoftmax(axis: 1).mul(m).add(m).sum()
  }

  @Test(arguments: try Fixtures.load("optim", as: OptimCase.self).map(\.name))
  func tinyNet(_ name: String) async {
    await CaseRunner.isolated("optim", name)
  }

  /// Trains TinyNet with the fixture's optimizer, comparing x and W after every step.
  static func train(_ name: String) throws {
    let testCase = try #require(try Fixtures.load("optim", as: OptimCase.self).first { $0.name == name })
    guard let make = Self.optimizers[testCase.name] else {
      Issue.record("no optimizer for fixture case \(testCase.name)")
      return
    }
    let (x, w, m) = (testCase.inputs[0].makeTensor(), testCase.inputs[1].makeTensor(), testCase.inputs[2].makeTensor())
    let optimizer = make([x, w])
    for (step, expected) in testCase.trajectory.enumerated() {
      let loss = Self.tinyNetLoss(x, w, m)
      optimizer.zeroGrad()
      loss.backward()
      optimizer.step()
      expectClose(x.toArray(), expected[0], atol: testCase.tol.atol, rtol: testCase.tol.rtol, "x after step \(step + 1)")
      expectClose(w.toArray(), expected[1], atol: testCase.tol.atol, rtol: testCase.tol.rtol, "W after step \(step + 1)")
    }
  }

  @Test func everyCaseHasAnOptimizer() throws {
    let names = Set(try Fixtures.load("optim", as: OptimCase.self).map(\.name))
    #expect(names == Set(Self.optimizers.keys))
  }

  static let factories: [(String, @Sendable ([Tensor]) -> any Optimizer)] = [
    ("Adam", { Adam($0, lr: 0.1) }), ("AdamW", { AdamW($0, lr: 0.1) }), ("SGD", { SGD($0, lr: 0.1) }),
    ("LAMB", { LAMB($0, lr: 0.1) }),
  ]

  @Test(arguments: factories.map(\.0))
  func duplicatedParametersStepOnce(_ name: String) throws {
    let make = try #require(Self.factories.first { $0.0 == name }?.1)
    var losses: [[Float]] = []
    for duplicate in [false, true] {
      let w = Tensor([0.5, -1.25, 2, 0.75], shape: [1, 4])
      let optimizer = make(duplicate ? [w, w] : [w])
      var loss = w.sum()
      for _ in 0..<3 {
        loss = w.sum()
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
      }
      losses.append(loss.toArray())
    }
    expectClose(losses[1], losses[0].map(Double.init), atol: 1e-4, rtol: 0, "loss with the parameter listed twice")
  }

  @Test func optimizerPromotesUnsetRequiresGrad() {
    let w = Tensor([1, 2, 3] as [Float])
    #expect(w.requiresGrad == nil)
    _ = SGD([w])
    #expect(w.requiresGrad == true)
  }

  @Test func frozenTensorsAreLeftAlone() {
    let w = Tensor([1, 2, 3] as [Float])
    let frozen = Tensor([4, 5, 6] as [Float], requiresGrad: false)
    let optimizer = SGD([w, frozen], lr: 0.5)
    optimizer.zeroGrad()
    (w * frozen).sum().backward()
    optimizer.step()
    expectClose(w.toArray(), [-1, -0.5, 0] as [Float])
    expectClose(frozen.toArray(), [4, 5, 6] as [Float])
  }

  @Test func zeroGradClearsGradients() {
    let w = Tensor([1, 2] as [Float])
    let optimizer = Adam([w])
    (w * w).sum().backward()
    #expect(w.grad != nil)
    optimizer.zeroGrad()
    #expect(w.grad == nil || w.grad?.toArray() == [0, 0])
  }

  @Test func stepUpdatesTheCallersTensor() {
    let w = Tensor([1, 2] as [Float])
    let optimizer: any Optimizer = SGD([w], lr: 0.25)
    (w * w).sum().backward()
    optimizer.step()
    expectClose(w.toArray(), [0.5, 1] as [Float])
  }
}
