import Foundation
import Testing
import Teenygrad

/// The nn layers: shapes, parameters, agreement with the functional ops, BatchNorm2d statistics.
@Suite struct OpsLayerTests {
  /// Deterministic, non-trivial values without touching the random generator.
  static func ramp(_ shape: [Int], scale: Float = 0.37) -> Tensor {
    let n = shape.reduce(1, *)
    let values = (0..<n).map { (i: Int) -> Float in
      let wave = Float(Foundation.sin(Double(i) * Double(scale)))
      return wave * 1.5 + Float(i % 3) * 0.1
    }
    return Tensor(values, shape: shape)
  }

  @Test func linearShapesAndForward() {
    let layer = GlobalState.serialized { Linear(3, 4) }
    #expect(layer.weight.shape == [4, 3])
    #expect(layer.bias?.shape == [4])
    #expect(layer.parameters.count == 2)
    let x = Self.ramp([2, 3])
    let y = layer(x)
    #expect(y.shape == [2, 4])
    expectClose(y.toArray(), x.linear(layer.weight.T, bias: layer.bias).toArray().map(Double.init),
                atol: 1e-6, rtol: 1e-5, "Linear versus linear(weight.T, bias:)")
    let bound = 1 / Float(3).squareRoot() + 1e-6
    #expect(layer.weight.toArray().allSatisfy { Swift.abs($0) <= bound }, "PyTorch's default init bound 1/sqrt(in)")
  }

  @Test func linearWithoutBias() {
    let layer = GlobalState.serialized { Linear(5, 2, bias: false) }
    #expect(layer.bias == nil)
    #expect(layer.parameters.count == 1)
    #expect(layer(Self.ramp([7, 5])).shape == [7, 2])
  }

  @Test func conv2dShapesAndForward() {
    let conv = GlobalState.serialized { Conv2d(2, 4, kernelSize: 3, stride: 2, padding: 1) }
    #expect(conv.weight.shape == [4, 2, 3, 3])
    #expect(conv.bias?.shape == [4])
    #expect(conv.parameters.count == 2)
    let x = Self.ramp([1, 2, 5, 5])
    let y = conv(x)
    #expect(y.shape == [1, 4, 3, 3])
    let reference = x.conv2d(conv.weight, bias: conv.bias, stride: [2], padding: [1])
    expectClose(y.toArray(), reference.toArray().map(Double.init), atol: 1e-5, rtol: 1e-5, "Conv2d versus conv2d")
  }

  @Test func conv2dGroupsAndDilation() {
    let conv = GlobalState.serialized { Conv2d(4, 6, kernelSize: 3, dilation: 2, groups: 2, bias: false) }
    #expect(conv.weight.shape == [6, 2, 3, 3])
    #expect(conv.bias == nil)
    #expect(conv.parameters.count == 1)
    #expect(conv(Self.ramp([2, 4, 7, 7])).shape == [2, 6, 3, 3])
  }

  @Test func layerNormMatchesLayernorm() {
    let norm = LayerNorm([4])
    #expect(norm.parameters.count == 2)
    let x = Self.ramp([3, 4])
    expectClose(norm(x).toArray(), x.layernorm().toArray().map(Double.init), atol: 1e-5, rtol: 1e-5, "LayerNorm([4])")
    #expect(LayerNorm([4], elementwiseAffine: false).parameters.isEmpty)
  }

  @Test func layerNormOverTwoAxes() {
    let x = Self.ramp([2, 3, 4])
    let y = LayerNorm([3, 4], eps: 1e-5, elementwiseAffine: false)(x).toArray()
    let values = x.toArray()
    for batch in 0..<2 {
      let slice = values[(batch * 12)..<(batch * 12 + 12)].map(Double.init)
      let mean = slice.reduce(0, +) / 12
      let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 12
      let expected = slice.map { ($0 - mean) / (variance + 1e-5).squareRoot() }
      expectClose(Array(y[(batch * 12)..<(batch * 12 + 12)]), expected, atol: 1e-4, rtol: 1e-4, "batch \(batch)")
    }
  }

  @Test func batchNormTrainingThenEval() {
    let bn = BatchNorm2d(3)
    #expect(bn.parameters.count == 2)
    #expect(BatchNorm2d(3, affine: false).parameters.isEmpty)
    let x = Self.ramp([2, 3, 2, 2])
    let values = x.toArray().map(Double.init)
    // per-channel statistics over (batch, h, w)
    var means = [Double](repeating: 0, count: 3), variances = [Double](repeating: 0, count: 3)
    func channel(_ c: Int) -> [Double] { (0..<2).flatMap { b in (0..<4).map { values[b * 12 + c * 4 + $0] } } }
    for c in 0..<3 {
      let v = channel(c)
      means[c] = v.reduce(0, +) / 8
      variances[c] = v.map { ($0 - means[c]) * ($0 - means[c]) }.reduce(0, +) / 8
    }
    let trained = GlobalState.serialized { Tensor.withTraining(true) { bn(x).toArray() } }
    var expectedTrain = [Double](), expectedEval = [Double]()
    for b in 0..<2 {
      for c in 0..<3 {
        let runningMean = 0.1 * means[c]
        let runningVar = 0.9 + 0.1 * variances[c] * 8 / 7
        for i in 0..<4 {
          let v = values[b * 12 + c * 4 + i]
          expectedTrain.append((v - means[c]) / (variances[c] + 1e-5).squareRoot())
          expectedEval.append((v - runningMean) / (runningVar + 1e-5).squareRoot())
        }
      }
    }
    expectClose(trained, expectedTrain, atol: 1e-4, rtol: 1e-4, "training mode normalizes with batch statistics")
    let evaluated = GlobalState.serialized { Tensor.withTraining(false) { bn(x).toArray() } }
    expectClose(evaluated, expectedEval, atol: 1e-4, rtol: 1e-4, "eval mode uses the running statistics")
  }

  @Test func moduleParametersReceiveGradients() {
    let layer = GlobalState.serialized { Linear(3, 2) }
    let optimizer = SGD(layer.parameters, lr: 0.1)
    optimizer.zeroGrad()
    layer(Self.ramp([4, 3])).square().mean().backward()
    for parameter in layer.parameters {
      #expect(parameter.requiresGrad == true)
      #expect(parameter.grad?.shape == parameter.shape)
    }
  }

  @Test func modulesConformToModule() {
    func count(_ module: some Module) -> Int { module.parameters.count }
    let modules: [any Module] = GlobalState.serialized {
      [Linear(2, 2), Conv2d(1, 1, kernelSize: 1), BatchNorm2d(2), LayerNorm([2])]
    }
    #expect(modules.map { $0.parameters.count } == [2, 2, 2, 2])
    #expect(count(LayerNorm([3])) == 2)
  }
}
