import Foundation

extension Tensor {
  /// Seeds the generator behind every random tensor (see `RandomGenerator`: xoshiro256** seeded by SplitMix64).
  public static func manualSeed(_ seed: UInt64) {
    RandomGenerator.shared.withLock { $0 = RandomGenerator(seed: seed) }
  }

  /// The generator's state, for checkpoints that resume bitwise identically.
  public static var randomState: [UInt64] {
    get { RandomGenerator.shared.withLock { $0.words } }
    set { RandomGenerator.shared.withLock { $0 = RandomGenerator(words: newValue) } }
  }

  /// Uniform samples in [0, 1).
  public static func rand(_ shape: Int..., requiresGrad: Bool? = nil) -> Tensor { rand(shape, requiresGrad: requiresGrad) }

  /// Uniform samples in [0, 1).
  public static func rand(_ shape: [Int], requiresGrad: Bool? = nil) -> Tensor {
    let count = shape.reduce(1, *)
    let buffer = Buffer(dtype: .float32, count: count)
    let floats = buffer.floats
    RandomGenerator.shared.withLock { g in
      for i in 0..<count { floats[i] = g.nextFloat() }
    }
    return Tensor(lazy: .fromBuffer(buffer, shape: shape), requiresGrad: requiresGrad)
  }

  /// Standard normal samples (Box-Muller over two uniform tensors, as teenygrad).
  public static func randn(_ shape: Int..., requiresGrad: Bool? = nil) -> Tensor { randn(shape, requiresGrad: requiresGrad) }

  static func randn(_ shape: [Int], requiresGrad: Bool? = nil) -> Tensor {
    let src = rand([2] + shape)
    let out = src[0].mul(2 * Float.pi).cos().mul((1 - src[1]).log().mul(-2).sqrt())
    let t = out.detach()
    t.requiresGrad = requiresGrad
    return t
  }

  /// Integers uniform in `low..<high`, as int32.
  public static func randint(_ shape: Int..., low: Int32 = 0, high: Int32 = 10) -> Tensor {
    (rand(shape) * Float(high - low) + Float(low)).cast(.int32)
  }

  /// Normal samples with the given mean and standard deviation.
  public static func normal(_ shape: Int..., mean: Float = 0, std: Float = 1) -> Tensor {
    (std * randn(shape)) + mean
  }

  /// Uniform samples in [low, high).
  public static func uniform(_ shape: Int..., low: Float = 0, high: Float = 1, requiresGrad: Bool? = nil) -> Tensor {
    uniform(shape, low: low, high: high, requiresGrad: requiresGrad)
  }

  static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, requiresGrad: Bool? = nil) -> Tensor {
    let t = (((high - low) * rand(shape)) + low).detach()
    t.requiresGrad = requiresGrad
    return t
  }

  /// Uniform in [-1, 1) scaled by 1/sqrt(numel) (teenygrad's `scaled_uniform`).
  public static func scaledUniform(_ shape: Int..., requiresGrad: Bool? = nil) -> Tensor {
    let t = uniform(shape, low: -1, high: 1).mul(Float(1 / Double(shape.reduce(1, *)).squareRoot())).detach()
    t.requiresGrad = requiresGrad
    return t
  }

  /// Glorot (Xavier) uniform initialisation.
  public static func glorotUniform(_ shape: Int..., requiresGrad: Bool? = nil) -> Tensor {
    let fan = Double(shape[0] + shape.dropFirst().reduce(1, *))
    let t = uniform(shape, low: -1, high: 1).mul(Float((6 / fan).squareRoot())).detach()
    t.requiresGrad = requiresGrad
    return t
  }

  /// Kaiming (He) uniform initialisation with leaky-relu slope `a`.
  public static func kaimingUniform(_ shape: Int..., a: Float = 0.01, requiresGrad: Bool? = nil) -> Tensor {
    let fanIn = Double(shape.dropFirst().reduce(1, *))
    let bound = Float(3.0.squareRoot() * (2.0 / (1 + Double(a * a))).squareRoot() / fanIn.squareRoot())
    return uniform(shape, low: -bound, high: bound, requiresGrad: requiresGrad)
  }

  /// Samples indices from the rows of this (1- or 2-d) tensor of weights; int32.
  public func multinomial(numSamples: Int = 1, replacement: Bool = false) -> Tensor {
    precondition((1...2).contains(ndim) && numSamples > 0, "multinomial: needs a 1-d or 2-d tensor and numSamples > 0")
    precondition(replacement || numSamples == 1, "multinomial: without replacement only numSamples == 1 is supported")
    let weight = ndim == 1 ? unsqueeze(0) : self
    let cw = weight.cumsum(axis: 1)
    let cdf = cw / cw[.all, -1].unsqueeze(1)
    let samples = Tensor.rand(numSamples, cdf.shape[0], 1)
    let indices = (samples.expand([-1, -1, cdf.shape[1]]) .>= cdf).cast(.int32).sum(axis: 2).permute(1, 0)
    return (ndim == 1 ? indices.squeeze(0) : indices).cast(.int32)
  }
}
