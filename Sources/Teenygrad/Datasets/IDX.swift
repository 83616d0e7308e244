import Foundation

/// An array read from an IDX file (the format the MNIST files use): its shape and its unsigned-byte elements.
///
/// Parsing never trusts the header: a declared size is checked against the bytes present before anything of
/// that size is allocated, and every malformed input throws a ``DatasetError`` that names the file.
///
/// ```swift
/// let labels = try IDXArray(gzipped: bytes, limit: 10_008, file: "t10k-labels-idx1-ubyte.gz")
/// print(labels.shape)   // [10000]
/// ```
public struct IDXArray: Equatable, Sendable {
  /// The dimensions the header declares, outermost first; none is zero.
  public var shape: [Int]
  /// The elements, row-major, one byte each; exactly the product of ``shape`` of them.
  public var bytes: [UInt8]

  init(shape: [Int], bytes: [UInt8]) {
    self.shape = shape
    self.bytes = bytes
  }
}

/// The element type codes the IDX format defines (the third byte of the header).
enum IDXElementType: UInt8 {
  case uint8 = 0x08, int8 = 0x09, int16 = 0x0B, int32 = 0x0C, float32 = 0x0D, float64 = 0x0E

  var name: String {
    switch self {
    case .uint8: "unsigned byte"
    case .int8: "signed byte"
    case .int16: "16-bit integer"
    case .int32: "32-bit integer"
    case .float32: "32-bit float"
    case .float64: "64-bit float"
    }
  }
}

extension IDXArray {
  /// Parses an uncompressed IDX file: two zero bytes, a type code, a dimension count, the dimensions as
  /// big-endian 32-bit integers, then exactly as many elements as the dimensions multiply to.
  ///
  /// Only unsigned-byte arrays (type 0x08) are accepted; the other IDX types are reported by name.
  ///
  /// - Parameters:
  ///   - data: the whole file, uncompressed.
  ///   - file: the name used in error messages.
  /// - Throws: ``DatasetError`` for a bad magic number, another element type, a zero, missing or overflowing
  ///   dimension, a truncated header or payload, or trailing bytes.
  public init(parsing data: [UInt8], file: String) throws(DatasetError) {
    guard data.count >= 4, data[0] == 0, data[1] == 0 else {
      throw .badMagic(file: file, bytes: Array(data.prefix(4)))
    }
    guard IDXElementType(rawValue: data[2]) == .uint8 else {
      throw .unsupportedIDXType(file: file, code: data[2])
    }
    let rank = Int(data[3])
    let headerSize = 4 + 4 * rank
    guard data.count >= headerSize else {
      throw .truncatedHeader(file: file, expected: headerSize, actual: data.count)
    }
    let shape = (0..<rank).map { axis in
      (0..<4).reduce(0) { value, byte in value << 8 | Int(data[4 + 4 * axis + byte]) }
    }
    guard rank > 0, !shape.contains(0) else { throw .zeroDimension(file: file, dimensions: shape) }
    var count = 1
    for size in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow else { throw .elementCountOverflow(file: file, dimensions: shape) }
      count = product
    }
    let payload = data.count - headerSize
    guard payload >= count else { throw .truncatedPayload(file: file, expected: count, actual: payload) }
    guard payload == count else { throw .trailingBytes(file: file, expected: count, actual: payload) }
    self.init(shape: shape, bytes: Array(data[headerSize...]))
  }

  /// Reads, decompresses and parses a gzip-compressed IDX file.
  ///
  /// - Parameters:
  ///   - limit: the most decompressed bytes the file may hold.
  ///   - sha256: when given, the lowercase hex SHA-256 the decompressed bytes must have.
  /// - Throws: ``DatasetError/unreadable(file:reason:)`` when the file cannot be read, or any error of
  ///   ``init(gzipped:limit:sha256:file:)``.
  public init(gzipFile path: String, limit: Int, sha256: String? = nil) throws(DatasetError) {
    let compressed = try readDatasetFile(path)
    try self.init(gzipped: compressed, limit: limit, sha256: sha256, file: path)
  }

  /// Decompresses, optionally verifies, and parses gzip-compressed IDX bytes.
  ///
  /// - Parameters:
  ///   - compressed: the gzip stream (concatenated members are joined).
  ///   - limit: the most decompressed bytes the stream may produce; decompression stops with
  ///     ``DatasetError/decompressedTooLarge(file:limit:)`` before allocating more.
  ///   - sha256: when given, the lowercase hex SHA-256 the decompressed bytes must have.
  ///   - file: the name used in error messages.
  /// - Throws: ``DatasetError`` for a corrupt or truncated gzip stream, too much output, a checksum mismatch,
  ///   or any error of ``init(parsing:file:)``.
  public init(gzipped compressed: [UInt8], limit: Int, sha256: String? = nil, file: String) throws(DatasetError) {
    let data = try Gzip.decompress(compressed, limit: limit, file: file)
    if let expected = sha256 {
      let actual = SHA256.hex(of: data)
      guard actual == expected else { throw .checksumMismatch(file: file, expected: expected, actual: actual) }
    }
    try self.init(parsing: data, file: file)
  }
}

/// Returns the contents of the file at `path`.
func readDatasetFile(_ path: String) throws(DatasetError) -> [UInt8] {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
    throw .unreadable(file: path, reason: "no such file")
  }
  guard !isDirectory.boolValue else { throw .unreadable(file: path, reason: "it is a folder") }
  do {
    return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
  } catch {
    throw .unreadable(file: path, reason: error.localizedDescription)
  }
}
