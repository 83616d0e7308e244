/// A model that maps a batch of images, shaped `(batch, channels, height, width)`, to one score per class,
/// shaped `(batch, classes)`: logits or log-probabilities, whichever its loss expects.
public protocol ImageClassifier: Module {
  /// Returns the class scores of the images `x`.
  func callAsFunction(_ x: Tensor) -> Tensor
}

/// The MNIST models the trainer knows, by the name the `mnist` command line gives them.
public enum MNISTModelKind: String, CaseIterable, Sendable {
  /// ``TinyConvNet``, teenygrad's MNIST example model.
  case tiny
  /// ``MNISTConvNet``, the Keras MNIST convnet.
  case convnet

  /// What the model's input pixels are: the image bytes divided by this.
  ///
  /// ``TinyConvNet`` takes the raw bytes, 0...255, as teenygrad's `mnist.py` feeds it: with its small
  /// `scaledUniform` weights, inputs scaled to 0...1 leave it near 85% test accuracy after 100 steps instead of
  /// above 93%. ``MNISTConvNet`` takes pixels in 0...1, as in the Keras example.
  public var pixelDivisor: Float {
    switch self {
    case .tiny: return 1
    case .convnet: return 255
    }
  }

  /// Returns a freshly initialized model of this kind, drawing its weights from the library's generator.
  public func makeModel() -> any ImageClassifier {
    switch self {
    case .tiny: return TinyConvNet()
    case .convnet: return MNISTConvNet()
    }
  }
}

/// Two bias-free 3x3 convolutions (1 -> 8 -> 16 channels), each followed by relu and 2x2 max pooling, then a
/// linear map of the 16x5x5 features to 10 log-probabilities (teenygrad's `TinyConvNet` from `mnist.py`).
///
/// Every weight starts from `Tensor.scaledUniform`.
public final class TinyConvNet: ImageClassifier {
  /// The first kernel, `(8, 1, 3, 3)`.
  public let c1: Tensor
  /// The second kernel, `(16, 8, 3, 3)`.
  public let c2: Tensor
  /// The classifier weight, `(400, 10)`, applied as `x.dot(l1)`.
  public let l1: Tensor

  /// Creates the model with `scaledUniform` weights.
  public init() {
    let inner = 8, outer = 16, kernel = 3
    c1 = Tensor.scaledUniform(inner, 1, kernel, kernel)
    c2 = Tensor.scaledUniform(outer, inner, kernel, kernel)
    l1 = Tensor.scaledUniform(outer * 5 * 5, 10)
  }

  /// Returns the log-probabilities of the 10 digits for images shaped `(batch, 1, 28, 28)` (or any shape that
  /// reshapes to it), with pixels in 0...255 as teenygrad feeds them.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    var x = x.reshape(-1, 1, MNIST.imageSide, MNIST.imageSide)
    x = x.conv2d(c1).relu().maxPool2d()
    x = x.conv2d(c2).relu().maxPool2d()
    return x.reshape(x.shape[0], -1).dot(l1).logSoftmax()
  }
}

/// The Keras MNIST convnet: 3x3 convolutions 1 -> 32 and 32 -> 64 channels, each followed by relu and 2x2
/// max pooling, then flatten, dropout 0.5 and a linear map of the 1600 features to 10 logits.
///
/// Layers use PyTorch's default initialization (see ``Conv2d`` and ``Linear``).
public final class MNISTConvNet: ImageClassifier {
  /// The first convolution, 1 -> 32 channels.
  public let conv1: Conv2d
  /// The second convolution, 32 -> 64 channels.
  public let conv2: Conv2d
  /// The classifier, 1600 -> 10.
  public let fc: Linear

  /// Creates the model with freshly initialized layers.
  public init() {
    conv1 = Conv2d(1, 32, kernelSize: 3)
    conv2 = Conv2d(32, 64, kernelSize: 3)
    fc = Linear(64 * 5 * 5, 10)
  }

  /// Returns the logits of the 10 digits for images shaped `(batch, 1, 28, 28)` (or any shape that reshapes
  /// to it). Dropout is active only while ``Tensor/training`` is on.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    var x = x.reshape(-1, 1, MNIST.imageSide, MNIST.imageSide)
    x = conv1(x).relu().maxPool2d()
    x = conv2(x).relu().maxPool2d()
    return fc(x.flatten(startDim: 1).dropout(0.5))
  }
}
