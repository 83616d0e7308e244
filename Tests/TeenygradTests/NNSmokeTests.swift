import Foundation
import Testing
import Teenygrad

/// Checks of the nn layers, optimizers and checkpoint state that the fixture suites do not reach: a direct
/// convolution loop, layer shapes and state names, running statistics, bitwise resume and safetensors files.
@Suite struct NNSmokeTests {
  /// Deterministic values in [-1, 1).
  static func values(_ count: Int, seed: Int) -> [Float] {
    (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 2003) / 1001.5 - 1 }
  }

  /// A direct convolution loop over an NCHW input and a (cout, cin / groups, kh, kw) weight.
  static func naiveConv(_ x: [Float], _ xs: [Int], _ w: [Float], _ ws: [Int], bias: [Float], groups: Int,
                        stride: Int, dilation: Int, padding: (left: Int, right: Int, top: Int, bottom: Int))
    -> (values: [Float], shape: [Int]) {
    let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3]), (co, ci, kh, kw) = (ws[0], ws[1], ws[2], ws[3])
    let oh = (h + padding.top + padding.bottom - dilation * (kh - 1) - 1) / stride + 1
    let ow = (wd + padding.left + padding.right - dilation * (kw - 1) - 1) / stride + 1
    var out = [Float](repeating: 0, count: n * co * oh * ow)
    for b in 0..<n { for o in 0..<co { for y in 0..<oh { for xx in 0..<ow {
      let g = o / (co / groups)
      var acc = bias[o]
      for i in 0..<ci { for ky in 0..<kh { for kx in 0..<kw {
        let iy = y * stride + ky * dilation - padding.top, ix = xx * stride + kx * dilation - padding.left
        guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
        acc += x[((b * c + g * ci + i) * h + iy) * wd + ix] * w[((o * ci + i) * kh + ky) * kw + kx]
      } } }
      out[((b * co + o) * oh + y) * ow + xx] = acc
    } } } }
    return (out, [n, co, oh, ow])
  }

  @Test(arguments: [(groups: 1, stride: 1, dilation: 1, padding: [0]), (groups: 2, stride: 2, dilation: 2, padding: [2, 1, 0, 1])])
  func conv2dMatchesLoop(groups: Int, stride: Int, dilation: Int, padding: [Int]) {
    let xs = [2, 4, 9, 8], ws = [6, 4 / groups, 3, 2]
    let x = Self.values(xs.reduce(1, *), seed: 1), w = Self.values(ws.reduce(1, *), seed: 2)
    let bias = Self.values(6, seed: 3)
    let p = padding.count == 1 ? (padding[0], padding[0], padding[0], padding[0])
      : (padding[0], padding[1], padding[2], padding[3])
    let expected = Self.naiveConv(x, xs, w, ws, bias: bias, groups: groups, stride: stride, dilation: dilation,
                                  padding: p)
    let out = Tensor(x, shape: xs).conv2d(Tensor(w, shape: ws), bias: Tensor(bias), groups: groups,
                                          stride: [stride], dilation: [dilation], padding: padding)
    #expect(out.shape == expected.shape)
    let worst = zip(out.toArray(), expected.values).map { Swift.abs($0 - $1) }.max() ?? 0
    #expect(worst < 1e-4, "max error \(worst)")
  }

  final class Net: Module {
    let conv = Conv2d(1, 2, kernelSize: 3)
    let norm = BatchNorm2d(2)
    let heads = [Linear(2, 2), Linear(2, 1, bias: false)]
    let scale: Tensor? = nil
  }

  @Test func layersHaveTorchShapesAndState() {
    let linear = Linear(5, 3), conv = Conv2d(4, 6, kernelSize: 3, padding: 1, groups: 2)
    #expect(linear.weight.shape == [3, 5] && linear.bias?.shape == [3])
    #expect(conv.weight.shape == [6, 2, 3, 3] && conv.bias?.shape == [6])
    #expect(linear(Tensor.zeros(2, 5)).shape == [2, 3])
    #expect(conv(Tensor.zeros(2, 4, 5, 5)).shape == [2, 6, 5, 5])
    #expect(LayerNorm([2, 3])(Tensor.ones(4, 2, 3)).shape == [4, 2, 3])
    // kaimingUniform(a: √5) bounds the weight by 1 / √fanIn, like the bias.
    #expect(linear.weight.toArray().allSatisfy { Swift.abs($0) <= 1 / Float(5).squareRoot() })

    let net = Net()
    #expect(Set(net.state.keys) == ["conv.weight", "conv.bias", "norm.weight", "norm.bias", "norm.running_mean",
                                    "norm.running_var", "norm.num_batches_tracked", "heads.0.weight", "heads.0.bias",
                                    "heads.1.weight"])
    let expectedOrder = [net.conv.weight, net.conv.bias!, net.norm.weight!, net.norm.bias!, net.heads[0].weight,
                         net.heads[0].bias!, net.heads[1].weight]
    #expect(net.parameters.map(ObjectIdentifier.init) == expectedOrder.map(ObjectIdentifier.init))
  }

  @Test func batchNormTracksRunningStatistics() {
    let bn = BatchNorm2d(2)
    let data = Self.values(2 * 2 * 3 * 3, seed: 14)
    let x = Tensor(data, shape: [2, 2, 3, 3])
    let out = GlobalState.serialized { Tensor.withTraining { bn(x) }.toArray() }
    let channel0 = (0..<2).flatMap { b in data[b * 18 ..< b * 18 + 9] }
    let mean = channel0.reduce(0, +) / 18
    let variance = channel0.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 18
    #expect(Swift.abs(bn.runningMean.toArray()[0] - 0.1 * mean) < 1e-5)
    #expect(Swift.abs(bn.runningVar.toArray()[0] - (0.9 + 0.1 * variance * 18 / 17)) < 1e-5)
    #expect(bn.numBatchesTracked.toArray() == [1])
    #expect(Swift.abs(out[0] - (channel0[0] - mean) / (variance + 1e-5).squareRoot()) < 1e-4)
    // Evaluation mode normalizes with the running statistics.
    let evaluated = GlobalState.serialized { Tensor.withTraining(false) { bn(x) }.toArray() }
    let runningVar = bn.runningVar.toArray()[0], runningMean = bn.runningMean.toArray()[0]
    #expect(Swift.abs(evaluated[0] - (data[0] - runningMean) / (runningVar + 1e-5).squareRoot()) < 1e-4)
  }

  static func makeOptimizer(_ kind: String, _ params: [Tensor]) -> any Optimizer {
    switch kind {
    case "sgd": return SGD(params, lr: 0.01, momentum: 0.9, weightDecay: 0.1, nesterov: true)
    case "adamw": return AdamW(params, lr: 0.01)
    default: return LAMB(params, lr: 0.01, weightDecay: 0.1)
    }
  }

  /// Sets the gradient of `sum((p - target)^2)` by hand.
  static func setQuadraticGradient(_ p: Tensor, target: [Float]) {
    p.grad = Tensor(zip(p.toArray(), target).map { 2 * ($0 - $1) }, shape: p.shape)
  }

  @Test(arguments: ["sgd", "adamw", "lamb"])
  func optimizerStateResumesBitwise(kind: String) {
    let target = Self.values(6, seed: 17)
    let a = Tensor(Self.values(6, seed: 18), shape: [2, 3])
    let first = Self.makeOptimizer(kind, [a])
    #expect(a.requiresGrad == true)
    for _ in 0..<3 { Self.setQuadraticGradient(a, target: target); first.step() }
    let saved = first.state.mapValues { Tensor($0.toArray(), shape: $0.shape) }
    let b = Tensor(a.toArray(), shape: a.shape)
    let second = Self.makeOptimizer(kind, [b])
    #expect(throws: StateError.self) { try second.loadState([:]) }
    #expect(throws: Never.self) { try second.loadState(saved) }
    for _ in 0..<3 {
      Self.setQuadraticGradient(a, target: target)
      first.step()
      Self.setQuadraticGradient(b, target: target)
      second.step()
    }
    #expect(a.toArray() == b.toArray())
  }

  @Test func adamTrainsALinearLayerThroughBackward() {
    let layer = Linear(3, 1)
    let optimizer = Adam(layer.parameters, lr: 0.05)
    let x = Tensor(Self.values(24, seed: 19), shape: [8, 3])
    let y = x.matmul(Tensor([0.5, -1, 2] as [Float], shape: [3, 1])) + 0.25
    func loss() -> Tensor { (layer(x) - y).square().mean() }
    let initial = loss().item()
    for _ in 0..<60 {
      optimizer.zeroGrad()
      loss().backward()
      optimizer.step()
    }
    #expect(loss().item() < initial * 0.05, "loss went from \(initial) to \(loss().item())")
  }

  @Test func checkpointRoundTripsThroughSafetensors() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nn-smoke-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("model.safetensors")

    let net = Net(), optimizer = Adam(net.parameters)
    for p in net.parameters { p.grad = p.onesLike() }
    optimizer.step()
    let model = net.state
    let optimizerState = optimizer.state.reduce(into: [:]) { $0["optimizer.\($1.key)"] = $1.value }
    try safeSave(model.merging(optimizerState) { old, _ in old }, to: url)
    try safeSave(model.merging(optimizerState) { old, _ in old }, to: url)   // overwrites in place
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])

    let loaded = try safeLoad(from: url)
    #expect(loaded.count == model.count + optimizerState.count)
    let restored = Net(), restoredOptimizer = Adam(restored.parameters)
    try loadStateDict(restored, loaded, strict: true)
    try restoredOptimizer.loadState(loaded.reduce(into: [:]) { dict, entry in
      if entry.key.hasPrefix("optimizer.") { dict[String(entry.key.dropFirst(10))] = entry.value }
    })
    for (name, tensor) in restored.state {
      #expect(tensor.toArray() == model[name]!.toArray(), "\(name)")
    }
    for (name, tensor) in restoredOptimizer.state {
      #expect(tensor.toArray() == optimizer.state[name]!.toArray(), "\(name)")
    }
    #expect(throws: StateError.self) {
      try loadStateDict(Linear(3, 4), ["weight": Tensor.zeros(3, 4), "bias": Tensor.zeros(4)])
    }
  }
}
