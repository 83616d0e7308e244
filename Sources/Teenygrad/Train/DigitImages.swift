/// A set of labelled 28x28 grey images, such as one split of ``MNIST``, that hands out batches as tensors.
public struct DigitImages: Sendable {
  /// The images, `count x 28 x 28` bytes, row-major.
  public let images: [UInt8]
  /// One class label per image.
  public let labels: [UInt8]

  /// Creates a set from raw image bytes and their labels.
  ///
  /// - Precondition: `images` holds exactly `labels.count` images of ``MNIST/pixelsPerImage`` bytes.
  public init(images: [UInt8], labels: [UInt8]) {
    precondition(images.count == labels.count * MNIST.pixelsPerImage,
                 "\(images.count) bytes do not hold \(labels.count) images of \(MNIST.pixelsPerImage) pixels")
    self.images = images
    self.labels = labels
  }

  /// Creates a set from one split of MNIST.
  public init(_ mnist: MNIST, _ split: MNIST.Split) {
    self.init(images: mnist.images(split), labels: mnist.labels(split))
  }

  /// The number of images.
  public var count: Int { labels.count }

  /// Returns the images at `indices`, in that order, as float pixels shaped `(n, 1, 28, 28)`, and their labels
  /// as an int32 tensor shaped `(n)`.
  ///
  /// Each pixel is its byte divided by `divisor`: 255 (the default) gives 0...1, 1 keeps 0...255.
  public func batch(_ indices: [Int], divisor: Float = 255) -> (images: Tensor, labels: Tensor) {
    let size = MNIST.pixelsPerImage
    // Written in place, eight pixels at a time (each still divided, not multiplied by a reciprocal).
    let pixels = [Float](unsafeUninitializedCapacity: indices.count * size) { out, initialized in
      images.withUnsafeBufferPointer { source in
        let d = SIMD8<Float>(repeating: divisor)
        for (i, index) in indices.enumerated() {
          precondition(labels.indices.contains(index), "image index \(index) out of range 0..<\(count)")
          let from = source.baseAddress! + index * size, to = out.baseAddress! + i * size
          var p = 0
          while p + 8 <= size {
            let bytes = UnsafeRawPointer(from + p).loadUnaligned(as: SIMD8<UInt8>.self)
            UnsafeMutableRawPointer(to + p).storeBytes(of: SIMD8<Float>(bytes) / d, as: SIMD8<Float>.self)
            p += 8
          }
          while p < size { to[p] = Float(from[p]) / divisor; p += 1 }
        }
      }
      initialized = indices.count * size
    }
    let side = MNIST.imageSide
    return (Tensor(pixels, shape: [indices.count, 1, side, side]), Tensor(indices.map { Int32(labels[$0]) }))
  }
}
