/// What one training step reports: its number, the batch's mean loss and the fraction of the batch it
/// classified correctly (measured with the weights before the step's update).
public struct TrainingStep: Sendable, Equatable {
  /// The step's number, counting from 1.
  public var step: Int
  /// The mean cross-entropy of the batch.
  public var loss: Float
  /// The fraction of the batch whose highest score was its label.
  public var accuracy: Float
}

/// Trains an MNIST classifier with Adam on random batches, the loop of teenygrad's `mnist.py`, and evaluates it.
///
/// Images reach the model as their bytes divided by the kind's ``MNISTModelKind/pixelDivisor``.
///
/// All randomness (the initial weights, the batches, dropout) comes from the library's generator, which the
/// trainer seeds on creation; a checkpoint (see ``checkpointState``) records it, so a run resumed from one
/// continues exactly as if it had never stopped.
///
/// ```swift
/// let mnist = try MNIST()
/// let trainer = MNISTTrainer(kind: .tiny, data: DigitImages(mnist, .train), seed: 1337)
/// for _ in 0..<100 { trainer.trainStep() }
/// print(trainer.evaluate(DigitImages(mnist, .test)))   // about 0.95
/// ```
public final class MNISTTrainer {
  /// Which model is trained.
  public let kind: MNISTModelKind
  /// The model being trained.
  public let model: any ImageClassifier
  /// The optimizer updating ``model``'s parameters.
  public let optimizer: Adam
  /// The images batches are drawn from.
  public let data: DigitImages
  /// Images per step.
  public let batchSize: Int
  /// The number of steps taken so far, including those restored from a checkpoint.
  public internal(set) var completedSteps = 0

  /// Seeds the library's generator with `seed` (`Tensor.manualSeed`), then creates a `kind` model and an Adam
  /// optimizer over its parameters.
  ///
  /// - Precondition: `batchSize > 0` and `data` is not empty.
  public init(kind: MNISTModelKind, data: DigitImages, batchSize: Int = 128, learningRate: Float = 0.001,
              seed: UInt64 = 1337) {
    precondition(batchSize > 0, "the batch size must be positive, not \(batchSize)")
    precondition(data.count > 0, "there are no images to train on")
    Tensor.manualSeed(seed)
    self.kind = kind
    self.data = data
    self.batchSize = batchSize
    model = kind.makeModel()
    optimizer = Adam(model.parameters, lr: learningRate)
  }

  /// Returns the number of steps that draw as many images as `data` holds, rounded up: one epoch.
  public var stepsPerEpoch: Int { (data.count + batchSize - 1) / batchSize }

  /// Draws a random batch (with replacement, as teenygrad's `np.random.randint`), runs the model on it with
  /// ``Tensor/training`` on, and updates the parameters from the cross-entropy loss.
  @discardableResult
  public func trainStep() -> TrainingStep {
    let (images, labels) = data.batch(sampleIndices(), divisor: kind.pixelDivisor)
    let (loss, scores) = Tensor.withTraining(true) {
      let scores = model(images)
      let loss = scores.sparseCategoricalCrossentropy(labels)
      Tensor.realizeAll([loss, scores])
      optimizer.zeroGrad()
      loss.backward()
      optimizer.step()
      return (loss, scores)
    }
    completedSteps += 1
    let correct = Self.countCorrect(scores: scores, labels: labels.toArray())
    return TrainingStep(step: completedSteps, loss: loss.item(), accuracy: Float(correct) / Float(batchSize))
  }

  /// Returns the fraction of `test` that the model classifies correctly, running it without gradients and
  /// with ``Tensor/training`` off, `batchSize` images at a time.
  public func evaluate(_ test: DigitImages, batchSize: Int = 500) -> Double {
    precondition(batchSize > 0, "the batch size must be positive, not \(batchSize)")
    var correct = 0
    Tensor.withTraining(false) {
      Tensor.withNoGrad {
        for start in stride(from: 0, to: test.count, by: batchSize) {
          let indices = Array(start..<min(start + batchSize, test.count))
          let (images, labels) = test.batch(indices, divisor: kind.pixelDivisor)
          correct += Self.countCorrect(scores: model(images), labels: labels.toArray())
        }
      }
    }
    return test.count == 0 ? 0 : Double(correct) / Double(test.count)
  }

  /// `batchSize` indices into ``data``, uniform with replacement, from the library's generator.
  private func sampleIndices() -> [Int] {
    let count = UInt64(data.count)
    return RandomGenerator.shared.withLock { generator in
      // The high 32 bits times `count`, shifted down: uniform up to a bias below 2^-32 * count.
      (0..<batchSize).map { _ in Int(((generator.next() >> 32) &* count) >> 32) }
    }
  }

  /// Returns how many rows of `scores`, shaped `(n, classes)`, have their largest entry at the row's label.
  private static func countCorrect(scores: Tensor, labels: [Float]) -> Int {
    let values = scores.toArray()
    let classes = scores.shape[scores.ndim - 1]
    var correct = 0
    for (row, label) in labels.enumerated() {
      let rowScores = values[row * classes..<(row + 1) * classes]
      if let best = rowScores.indices.max(by: { rowScores[$0] < rowScores[$1] }), best - row * classes == Int(label) {
        correct += 1
      }
    }
    return correct
  }
}
