/// Why a dataset file could not be read, decompressed, verified or fetched.
///
/// Every case names the file it is about, so a message printed by a trainer is enough to find the bad file.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
  /// The file could not be read from disk.
  case unreadable(file: String, reason: String)
  /// The gzip stream is malformed (bad header, bad deflate data or a checksum that does not match).
  case corruptGzip(file: String, reason: String)
  /// The gzip stream stops before its end marker: the file was cut short.
  case gzipEndedEarly(file: String)
  /// Decompressing would produce more than `limit` bytes, so it was stopped before allocating them.
  case decompressedTooLarge(file: String, limit: Int)
  /// The first two bytes of the IDX header are not zero, or the header is shorter than four bytes.
  case badMagic(file: String, bytes: [UInt8])
  /// The IDX type code is not one the IDX format defines, or one this loader does not read.
  case unsupportedIDXType(file: String, code: UInt8)
  /// The IDX header declares no dimensions, or a dimension of size zero.
  case zeroDimension(file: String, dimensions: [Int])
  /// The product of the IDX dimensions does not fit in an `Int`.
  case elementCountOverflow(file: String, dimensions: [Int])
  /// The file ends inside the IDX header, before all its dimensions.
  case truncatedHeader(file: String, expected: Int, actual: Int)
  /// The IDX payload holds fewer bytes than the header declares.
  case truncatedPayload(file: String, expected: Int, actual: Int)
  /// The IDX payload holds more bytes than the header declares.
  case trailingBytes(file: String, expected: Int, actual: Int)
  /// The decompressed bytes do not hash to the published SHA-256.
  case checksumMismatch(file: String, expected: String, actual: String)
  /// The file parsed, but its shape is not the one the dataset defines.
  case unexpectedShape(file: String, expected: [Int], actual: [Int])
  /// The file is missing and every mirror failed.
  case downloadFailed(file: String, directory: String, attempts: [String])

  /// A one-line explanation that names the file and, where it helps, what to do about it.
  public var description: String {
    switch self {
    case let .unreadable(file, reason):
      return "\(file): cannot be read (\(reason))"
    case let .corruptGzip(file, reason):
      return "\(file): corrupt gzip stream (\(reason))"
    case let .gzipEndedEarly(file):
      return "\(file): gzip stream ends early; the file is truncated"
    case let .decompressedTooLarge(file, limit):
      return "\(file): decompresses to more than \(limit) bytes, more than this dataset file can hold"
    case let .badMagic(file, bytes):
      let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
      return "\(file): not an IDX file (header starts with [\(hex)], expected 00 00 <type> <ndim>)"
    case let .unsupportedIDXType(file, code):
      let hex = "0x" + String(code, radix: 16).leftPadded(to: 2)
      if let name = IDXElementType(rawValue: code)?.name {
        return "\(file): IDX element type \(hex) (\(name)) is valid IDX but only unsigned bytes (0x08) are supported"
      }
      return "\(file): \(hex) is not an IDX element type code (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)"
    case let .zeroDimension(file, dimensions):
      return "\(file): IDX header declares dimensions \(dimensions); an array needs at least one, none of size zero"
    case let .elementCountOverflow(file, dimensions):
      return "\(file): IDX dimensions \(dimensions) multiply to more elements than fit in memory"
    case let .truncatedHeader(file, expected, actual):
      return "\(file): IDX header is truncated: \(actual) bytes present, the dimension count needs \(expected)"
    case let .truncatedPayload(file, expected, actual):
      return "\(file): IDX payload is truncated: \(actual) bytes present, header declares \(expected)"
    case let .trailingBytes(file, expected, actual):
      return "\(file): IDX payload has \(actual - expected) trailing bytes (\(actual) present, header declares \(expected))"
    case let .checksumMismatch(file, expected, actual):
      return "\(file): SHA-256 of the decompressed bytes is \(actual), expected \(expected)"
    case let .unexpectedShape(file, expected, actual):
      return "\(file): shape \(actual), expected \(expected)"
    case let .downloadFailed(file, directory, attempts):
      return """
        \(file) is missing from \(directory) and could not be downloaded (\(attempts.joined(separator: "; "))). \
        Put the four MNIST files (\(MNIST.fileNames.joined(separator: ", "))) in that folder, \
        or point MNIST_DIR or --data at a folder that already holds them.
        """
    }
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
