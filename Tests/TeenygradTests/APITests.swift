import Foundation
import Testing
import Teenygrad

/// Calls every declaration of the public API contract once, spelled exactly as a client of `import Teenygrad`
/// writes it, with light checks of the results. The fixture-driven suites check the values in depth.
@Suite struct APITests {
  @Test func creationFromData() {
    let a = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2], requiresGrad: true)
    let b = Tensor([[1, 2], [3, 4]] as [[Float]], requiresGrad: false)
    let c = Tensor([1, 2, 3] as [Int32], shape: [3])
    let d = Tensor([true, false], shape: [2, 1])
    let e = Tensor(Float(2.5), requiresGrad: nil)
    #expect(a.shape == [2, 2] && a.requiresGrad == true)
    #expect(b.shape == [2, 2] && b.requiresGrad == false)
    #expect(c.dtype == .int32 && d.dtype == .bool && d.shape == [2, 1])
    #expect(e.shape == [] && e.item() == 2.5)
    #expect(Tensor([1, 2, 3]).dtype == .int32)
    #expect(Tensor([1.0, 2, 3]).dtype == .float32)
    #expect(Tensor([5] as [Float]).shape == [1])
    let g = Tensor([1, 2] as [Float])
    g.requiresGrad = true
    g.grad = Tensor([0, 0] as [Float])
    #expect(g.grad?.shape == [2])
  }

  @Test func creationHelpers() {
    let shapes: [Tensor] = [
      .zeros(2, 3), .zeros([2, 3]), .zeros(2, dtype: .int32, requiresGrad: false),
      .ones(2, 3), .ones([2, 3], dtype: .float16), .ones(1, requiresGrad: true),
      .full([2, 3], 7), .full([2], 1, dtype: .int32), .empty(2, 3), .empty(4, dtype: .uint8),
      .arange(6), .arange(1, 7), .arange(0, 12, step: 2), .arange(6, dtype: .int32), .eye(3), .eye(2, dtype: .int32),
    ]
    #expect(shapes.map(\.shape) == [[2, 3], [2, 3], [2], [2, 3], [2, 3], [1], [2, 3], [2], [2, 3], [4],
                                    [6], [6], [6], [6], [3, 3], [2, 2]])
    let t = Tensor([1, 2, 3] as [Float])
    expectClose(t.fullLike(9).toArray(), [9, 9, 9] as [Float])
    expectClose(t.zerosLike().toArray(), [0, 0, 0] as [Float])
    expectClose(t.onesLike().toArray(), [1, 1, 1] as [Float])
  }

  @Test func randomFactories() {
    let tensors: [Tensor] = GlobalState.serialized {
      Tensor.manualSeed(42)
      return [
        .rand(2, 3), .rand(2, requiresGrad: true), .randn(2, 3), .randn(2, requiresGrad: true),
        .randint(2, 3), .randint(4, low: -2, high: 2), .normal(2, 3), .normal(3, mean: 1, std: 0.5),
        .uniform(2, 3), .uniform(3, low: -1, high: 1, requiresGrad: true), .scaledUniform(2, 3),
        .scaledUniform(3, requiresGrad: true), .glorotUniform(2, 3), .glorotUniform(3, 2, requiresGrad: true),
        .kaimingUniform(2, 3), .kaimingUniform(3, 2, a: 0.1, requiresGrad: true),
        Tensor([0.2, 0.8] as [Float]).multinomial(), Tensor([0.2, 0.8] as [Float]).multinomial(numSamples: 3, replacement: true),
      ]
    }
    #expect(tensors.map(\.numel) == [6, 2, 6, 2, 6, 4, 6, 3, 6, 3, 6, 3, 6, 6, 6, 6, 1, 3])
  }

  @Test func runningAndReading() {
    let a = Tensor([1, 2, 3] as [Float])
    let b = (a * 2).realize()
    Tensor.realizeAll([a, b])
    #expect(b.assign(Tensor([0, 0, 0] as [Float])) === b)
    #expect(a.detach().requiresGrad != true)
    #expect(a.contiguous().toArray() == [1, 2, 3])
    #expect(a.sum().item() == 6)
  }

  @Test func autogradAndScopes() {
    let x = Tensor([1, 2] as [Float], requiresGrad: true)
    #expect(x.square().sum().backward().shape == [])
    let y: Tensor = Tensor.withNoGrad { x * 2 }
    #expect(y.shape == [2])
    let training: Bool = GlobalState.serialized { Tensor.withTraining(true) { Tensor.training } }
    #expect(training)
    let previous: Bool = GlobalState.serialized { Tensor.withTraining { Tensor.training } }
    #expect(previous)
  }

  @Test func movement() {
    let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
    let results: [Tensor] = [
      x.reshape(6, 4), x.reshape([4, 6]), x.reshape(-1, 4), x[.all, 0, 0, .newAxis].expand(2, 5),
      x[.all, 0, 0, .newAxis].expand([-1, 5]),
      x.permute(2, 0, 1), x.permute([1, 0, 2]), x.flip(0), x.flip(0, 2), x.shrink([(0, 1), nil, (1, 3)]),
      x.pad([(1, 1), nil, nil]), x.pad([nil, (0, 2), nil], value: -1), x.pad2d([1, 1, 0, 0]), x.pad2d([1, 1], value: 2),
      x.transpose(), x.transpose(0, 2), x[0].T, x.flatten(), x.flatten(startDim: 1), x[.newAxis].squeeze(),
      x[.newAxis].squeeze(0), x.unsqueeze(1), x.gather(Tensor.zeros(1, 3, 4, dtype: .int32), dim: 0),
      x.cat(x), x.cat(x, x, dim: 2), Tensor.stack([x, x]), Tensor.stack([x, x], dim: 3), x.repeating([1, 2, 1]),
    ]
    #expect(results.map(\.shape) == [
      [6, 4], [4, 6], [6, 4], [2, 5], [2, 5], [4, 2, 3], [3, 2, 4], [2, 3, 4], [2, 3, 4], [1, 3, 2],
      [4, 3, 4], [2, 5, 4], [2, 3, 6], [2, 3, 6], [3, 2, 4], [4, 3, 2], [4, 3], [24], [2, 12], [2, 3, 4],
      [2, 3, 4], [2, 1, 3, 4], [1, 3, 4], [4, 3, 4], [2, 3, 12], [2, 2, 3, 4], [2, 3, 4, 2], [2, 6, 4],
    ])
    #expect(x.chunk(2).map(\.shape) == [[1, 3, 4], [1, 3, 4]])
    #expect(x.chunk(2, dim: 2).map(\.shape) == [[2, 3, 2], [2, 3, 2]])
  }

  @Test func subscripts() {
    let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
    let indices: [TensorIndex] = [.index(1), .range(0, 2), .range(nil, nil, step: -1), .all, .newAxis, .ellipsis,
                                  .tensor(Tensor([0, 1] as [Int32])), 1]
    #expect(indices.count == 8)
    #expect(x[1].shape == [3, 4])
    #expect(x[-1, .range(1, nil)].shape == [2, 4])
    #expect(x[.all, 0].shape == [2, 4])
    #expect(x[.newAxis].shape == [1, 2, 3, 4])
    #expect(x[.ellipsis, 0].shape == [2, 3])
    #expect(x[.range(nil, nil, step: -1), .range(0, 3, step: 2)].shape == [2, 2, 4])
    #expect(x[.tensor(Tensor([1, 0, 1] as [Int32]))].shape == [3, 3, 4])
  }

  @Test func reductions() {
    let x = Tensor((1...12).map(Float.init), shape: [3, 4])
    let results: [Tensor] = [
      x.sum(), x.sum(axis: 0), x.sum(axis: 1, keepdim: true), x.sum(axes: [0, 1]), x.sum(axes: [1], keepdim: true),
      x.max(), x.max(axis: 1), x.min(), x.min(axis: 0, keepdim: true), x.mean(), x.mean(axis: -1),
      x.mean(axes: [0, 1], keepdim: true), x.std(), x.std(axis: 0, keepdim: true, correction: 0),
      x.std(axes: [0, 1], correction: 1), x.softmax(), x.softmax(axis: 0), x.logSoftmax(), x.logSoftmax(axis: 0),
      x.argmax(), x.argmax(axis: 1, keepdim: true), x.argmin(), x.argmin(axis: 0), x.cumsum(), x.cumsum(axis: 1),
    ]
    #expect(results.map(\.shape) == [
      [], [4], [3, 1], [], [3, 1], [], [3], [], [1, 4], [], [3], [1, 1], [], [1, 4], [], [3, 4], [3, 4], [3, 4],
      [3, 4], [], [3, 1], [], [4], [3, 4], [3, 4],
    ])
    #expect(x.sum().item() == 78)
    #expect(x.argmax().item() == 11)
  }

  @Test func unaryAndActivations() {
    let x = Tensor([0.25, 0.5, 0.75] as [Float])
    let unary: [Tensor] = [
      x.neg(), -x, x.log(), x.log2(), x.exp(), x.exp2(), x.sqrt(), x.rsqrt(), x.sin(), x.cos(), x.tan(), x.trunc(),
      x.floor(), x.ceil(), x.square(), x.abs(), x.sign(), x.reciprocal(), x.clip(0.3, 0.6), x.relu(), x.sigmoid(),
      x.tanh(), x.elu(), x.elu(alpha: 0.5), x.celu(), x.celu(alpha: 2), x.swish(), x.silu(), x.relu6(),
      x.hardswish(), x.sinh(), x.cosh(), x.atanh(), x.asinh(), (x + 1).acosh(), x.hardtanh(),
      x.hardtanh(minVal: -0.5, maxVal: 0.5), x.gelu(), x.quickGelu(), x.leakyRelu(), x.leakyRelu(negSlope: 0.1),
      x.mish(), x.softplus(), x.softplus(beta: 2), x.softsign(),
    ]
    #expect(unary.allSatisfy { $0.shape == [3] })
    #expect(unary.allSatisfy { $0.toArray().allSatisfy { $0.isFinite } })
  }

  @Test func binaryAndOperators() {
    let x = Tensor([1, 2, 3] as [Float])
    let y = Tensor([4, 5, 6] as [Float])
    let results: [Tensor] = [
      x.add(y), x.sub(y), x.mul(y), x.div(y), x.pow(y), x.pow(2), x.maximum(y), x.maximum(2), x.minimum(y),
      x.minimum(2), x.matmul(y), x.dot(y), (x .> 1).where(x, y), (x .> 1).where(1, 0), (x .> 1).where(x, 0),
      (x .> 1).where(0, y), x + y, x - y, x * y, x / y, x * 2, 1 - x, x / 3.5, 2 + x, x + 1, 2 * x, x - 1, 1 / x,
      -x, x .< y, x .> y, x .<= y, x .>= y, x .== y, x .!= y, x .< 2, x .> 2, x .<= 2, x .>= 2, x .== 2, x .!= 2,
      2 .< x, 2 .> x, 2 .<= x, 2 .>= x, 2 .== x, 2 .!= x,
    ]
    #expect(results.allSatisfy { $0.numel >= 1 })
    expectClose((x * 2).toArray(), [2, 4, 6] as [Float])
    expectClose((1 - x).toArray(), [0, -1, -2] as [Float])
    expectClose((x / 3.5).toArray(), [1 / 3.5, 2 / 3.5, 3 / 3.5] as [Float])
    #expect((x .< 2).dtype == .bool)
    #expect((2 .!= x).toArray() == [1, 0, 1])
    #expect(x.dot(y).item() == 32)
  }

  @Test func nnFunctions() {
    let image = Tensor.ones(1, 2, 6, 6)
    let weight = Tensor.ones(3, 2, 3, 3)
    let results: [Tensor] = [
      Tensor.ones(2, 3).linear(Tensor.ones(3, 4)), Tensor.ones(2, 3).linear(Tensor.ones(3, 4), bias: Tensor.ones(4)),
      image.conv2d(weight), image.conv2d(weight, bias: Tensor.ones(3), groups: 1, stride: [2], dilation: [1], padding: [1]),
      image.convTranspose2d(Tensor.ones(2, 3, 3, 3)),
      image.convTranspose2d(Tensor.ones(2, 3, 3, 3), bias: Tensor.ones(3), groups: 1, stride: [2], dilation: [1],
                            padding: [1], outputPadding: [1]),
      image.maxPool2d(), image.maxPool2d(kernelSize: [3, 3], stride: [1], dilation: [1]), image.avgPool2d(),
      image.avgPool2d(kernelSize: [2], stride: [2, 1], dilation: [1]), image.layernorm(), image.layernorm(axis: 1, eps: 1e-3),
      image.batchnorm(weight: Tensor.ones(2), bias: Tensor.zeros(2), mean: Tensor.zeros(2), invstd: Tensor.ones(2)),
      image.batchnorm(weight: nil, bias: nil, mean: Tensor.zeros(2), invstd: Tensor.ones(2)), image.dropout(),
      image.dropout(0.1),
    ]
    #expect(results.map(\.shape) == [
      [2, 4], [2, 4], [1, 3, 4, 4], [1, 3, 3, 3], [1, 3, 8, 8], [1, 3, 12, 12], [1, 2, 3, 3], [1, 2, 4, 4],
      [1, 2, 3, 3], [1, 2, 3, 5], [1, 2, 6, 6], [1, 2, 6, 6], [1, 2, 6, 6], [1, 2, 6, 6], [1, 2, 6, 6], [1, 2, 6, 6],
    ])
    let q = Tensor.ones(2, 4, 8)
    #expect(q.scaledDotProductAttention(key: q, value: q).shape == [2, 4, 8])
    #expect(q.scaledDotProductAttention(key: q, value: q, attnMask: Tensor.zeros(4, 4), dropoutP: 0, isCausal: false).shape == [2, 4, 8])
    #expect(q.scaledDotProductAttention(key: q, value: q, isCausal: true).shape == [2, 4, 8])
    let p = Tensor([0.2, 0.7] as [Float])
    let labels = Tensor([0, 1] as [Float])
    #expect(p.binaryCrossentropy(labels).shape == [])
    #expect(p.binaryCrossentropyLogits(labels).shape == [])
    #expect(Tensor.ones(2, 3).sparseCategoricalCrossentropy(Tensor([0, 2] as [Int32])).shape == [])
    #expect(Tensor.ones(2, 3).sparseCategoricalCrossentropy(Tensor([0, 2] as [Int32]), ignoreIndex: 0).shape == [])
    #expect(Tensor.ones(3, 3).triu().shape == [3, 3] && Tensor.ones(3, 3).tril(1).shape == [3, 3])
    #expect(Tensor.ones(3, 3).triu(-1).sum().item() == 8 && Tensor.ones(3, 3).tril().sum().item() == 6)
    #expect(Tensor.ones(2).cast(.int32).dtype == .int32)
  }

  @Test func layersAndOptimizers() {
    let (linear, conv, batchNorm, layerNorm): (Linear, Conv2d, BatchNorm2d, LayerNorm) = GlobalState.serialized {
      (Linear(4, 3), Conv2d(1, 2, kernelSize: 3), BatchNorm2d(2), LayerNorm([3]))
    }
    _ = GlobalState.serialized {
      (Linear(4, 3, bias: false), Conv2d(2, 2, kernelSize: 1, stride: 1, padding: 0, dilation: 1, groups: 2, bias: false),
       BatchNorm2d(2, eps: 1e-3, affine: false, trackRunningStats: false, momentum: 0.2),
       LayerNorm([3], eps: 1e-6, elementwiseAffine: false))
    }
    linear.weight = Tensor.zeros(3, 4)
    linear.bias = nil
    conv.weight = Tensor.ones(2, 1, 3, 3)
    conv.bias = Tensor.zeros(2)
    #expect(linear(Tensor.ones(5, 4)).toArray() == [Float](repeating: 0, count: 15))
    #expect(conv(Tensor.ones(1, 1, 3, 3)).toArray() == [9, 9])
    #expect(batchNorm(Tensor.ones(1, 2, 2, 2)).shape == [1, 2, 2, 2])
    #expect(layerNorm(Tensor.ones(2, 3)).shape == [2, 3])
    let modules: [any Module] = [linear, conv, batchNorm, layerNorm]
    #expect(modules.allSatisfy { !$0.parameters.isEmpty })

    let w = Tensor([1, 2] as [Float])
    let optimizers: [any Optimizer] = [
      SGD([w]), SGD([w], lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true),
      LAMB([w]), LAMB([w], lr: 0.01, b1: 0.8, b2: 0.9, eps: 1e-5, weightDecay: 0.1, adam: true),
      Adam([w]), Adam([w], lr: 0.01, b1: 0.8, b2: 0.9, eps: 1e-7), AdamW([w]),
      AdamW([w], lr: 0.01, b1: 0.8, b2: 0.9, eps: 1e-7, weightDecay: 0.1),
    ]
    let adam: LAMB = Adam([w])
    #expect(optimizers.count == 8 && adam is Adam)
    for optimizer in optimizers {
      optimizer.zeroGrad()
      w.square().sum().backward()
      optimizer.step()
    }
    #expect(w.toArray().allSatisfy { $0.isFinite })
  }

  @Test func safetensorsRoundTrip() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("teenygrad-api-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    let tensors: [String: Tensor] = [
      "weight": Tensor((0..<6).map { Float($0) * 0.5 - 1 }, shape: [2, 3]),
      "labels": Tensor([3, -1, 7] as [Int32]),
      "scalar": Tensor(Float(4.25)),
      "half": Tensor([0.5, -2] as [Float]).cast(.float16),
    ]
    try safeSave(tensors, to: url)
    let loaded = try safeLoad(from: url)
    #expect(Set(loaded.keys) == Set(tensors.keys))
    for (name, tensor) in tensors {
      guard let back = loaded[name] else { continue }
      #expect(back.shape == tensor.shape, "\(name)")
      #expect(back.dtype == tensor.dtype, "\(name)")
      #expect(back.toArray() == tensor.toArray(), "\(name)")
    }
  }
}
