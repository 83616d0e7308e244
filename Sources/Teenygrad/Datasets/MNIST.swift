import Foundation

/// The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 grey bytes, with labels 0-9.
///
/// This is what teenygrad's `fetch_mnist` returns, read from the four standard gzip-compressed IDX files.
/// Images are row-major bytes, `count x 28 x 28`; labels are one byte per image.
///
/// ```swift
/// let mnist = try MNIST(directory: arguments.data)
/// let (pixels, labels) = mnist.batch(.train, indices: [0, 1, 2])   // pixels in [0, 1]
/// ```
public struct MNIST: Sendable {
  /// Which half of the dataset.
  public enum Split: Sendable, Hashable {
    case train, test
  }

  /// Width and height of every image.
  public static let imageSide = 28
  /// Bytes (and `Float` pixels) per image.
  public static let pixelsPerImage = imageSide * imageSide
  /// The four file names, as every MNIST mirror spells them.
  public static let fileNames = files.map(\.name)

  /// Training images, `60000 x 28 x 28` bytes, row-major.
  public let trainImages: [UInt8]
  /// Training labels, one digit (0-9) per image.
  public let trainLabels: [UInt8]
  /// Test images, `10000 x 28 x 28` bytes, row-major.
  public let testImages: [UInt8]
  /// Test labels, one digit (0-9) per image.
  public let testLabels: [UInt8]
  /// The folder the files were read from.
  public let directory: URL

  /// Loads MNIST from a folder, downloading any of the four files it lacks.
  ///
  /// - Parameters:
  ///   - directory: the folder; `nil` uses `MNIST_DIR`, else `extra/datasets/mnist` under the current directory
  ///     (see ``resolveDirectory(_:)``).
  ///   - download: whether missing files are fetched from a public mirror (verified, then written atomically).
  ///   - verify: whether files already present are checked against the published SHA-256 of their
  ///     decompressed bytes (downloaded files always are).
  /// - Throws: ``DatasetError`` naming the file that is missing, corrupt or malformed.
  public init(directory: String? = nil, download: Bool = true, verify: Bool = true) throws(DatasetError) {
    let folder = Self.resolveDirectory(directory)
    if download {
      try MNISTDownloader().fetchMissing(Self.files, into: folder)
    }
    func load(_ file: MNISTFile) throws(DatasetError) -> [UInt8] {
      let path = folder.appendingPathComponent(file.name).path
      let array = try IDXArray(gzipFile: path, limit: file.byteCount, sha256: verify ? file.sha256 : nil)
      guard array.shape == file.shape else {
        throw .unexpectedShape(file: path, expected: file.shape, actual: array.shape)
      }
      return array.bytes
    }
    trainImages = try load(Self.files[0])
    trainLabels = try load(Self.files[1])
    testImages = try load(Self.files[2])
    testLabels = try load(Self.files[3])
    self.directory = folder
  }

  /// Returns the folder MNIST is read from: `explicit` when given (a trainer's `--data`), else the
  /// `MNIST_DIR` environment variable, else `extra/datasets/mnist` relative to the current directory.
  public static func resolveDirectory(_ explicit: String? = nil) -> URL {
    let path = explicit ?? EnvironmentFlags.mnistDir ?? "extra/datasets/mnist"
    return URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
  }

  /// Returns the number of images in `split`.
  public func count(_ split: Split) -> Int {
    labels(split).count
  }

  /// Returns the image bytes of `split`, `count x 28 x 28`, row-major.
  public func images(_ split: Split) -> [UInt8] {
    split == .train ? trainImages : testImages
  }

  /// Returns the labels (0-9) of `split`.
  public func labels(_ split: Split) -> [UInt8] {
    split == .train ? trainLabels : testLabels
  }

  /// Returns every image of `split` as `Float` pixels scaled from 0...255 to 0...1.
  public func pixels(_ split: Split) -> [Float] {
    Self.scaled(images(split))
  }

  /// Returns the images at `indices` (in that order) as `Float` pixels in 0...1, `indices.count x 28 x 28`,
  /// and their labels as `Int32`, ready to become a batch's input and target tensors.
  ///
  /// - Precondition: every index is in `0..<count(split)`.
  public func batch(_ split: Split, indices: [Int]) -> (pixels: [Float], labels: [Int32]) {
    let source = images(split)
    let allLabels = labels(split)
    var pixels = [Float]()
    pixels.reserveCapacity(indices.count * Self.pixelsPerImage)
    for index in indices {
      precondition(allLabels.indices.contains(index), "MNIST index \(index) out of range 0..<\(allLabels.count)")
      let start = index * Self.pixelsPerImage
      pixels += Self.scaled(source[start..<start + Self.pixelsPerImage])
    }
    return (pixels, indices.map { Int32(allLabels[$0]) })
  }

  /// Returns `bytes` as `Float`s divided by 255, so 0 maps to 0 and 255 to 1.
  public static func scaled(_ bytes: ArraySlice<UInt8>) -> [Float] {
    bytes.map { Float($0) / 255 }
  }

  /// Returns `bytes` as `Float`s divided by 255, so 0 maps to 0 and 255 to 1.
  public static func scaled(_ bytes: [UInt8]) -> [Float] {
    scaled(bytes[...])
  }
}

/// One of the four MNIST files: its name, its shape and the SHA-256 of its decompressed IDX bytes.
struct MNISTFile: Sendable {
  var name: String
  var shape: [Int]
  var sha256: String

  /// The exact decompressed size: the IDX header (4 bytes plus 4 per dimension) and one byte per element.
  var byteCount: Int { 4 + 4 * shape.count + shape.reduce(1, *) }
}

extension MNIST {
  /// The four standard files, in the order train images, train labels, test images, test labels.
  static let files: [MNISTFile] = [
    MNISTFile(name: "train-images-idx3-ubyte.gz", shape: [60000, 28, 28],
              sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    MNISTFile(name: "train-labels-idx1-ubyte.gz", shape: [60000],
              sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    MNISTFile(name: "t10k-images-idx3-ubyte.gz", shape: [10000, 28, 28],
              sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    MNISTFile(name: "t10k-labels-idx1-ubyte.gz", shape: [10000],
              sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
  ]
}
