import Foundation

/// One tensor in a safetensors file: its dtype, its shape and its raw little-endian element bytes.
struct SafetensorsEntry: Equatable, Sendable {
  var dtype: DType
  var shape: [Int]
  var bytes: [UInt8]
}

/// Why bytes are not a valid safetensors file, or why tensors cannot be written as one.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
  /// The file is shorter than the 8-byte header length that starts every safetensors file.
  case fileTooShort(size: Int)
  /// The header length is larger than any real header (`limit` bytes).
  case headerLengthAbsurd(length: UInt64, limit: Int)
  /// The header length runs past the end of the file.
  case headerBeyondFile(length: Int, available: Int)
  /// The header is not valid UTF-8.
  case headerNotUTF8
  /// The header is not valid JSON.
  case invalidJSON(reason: String)
  /// The header is JSON, but not a JSON object.
  case headerNotObject
  /// `__metadata__` is not an object whose values are all strings.
  case invalidMetadata
  /// A tensor's header entry is not an object, or one of its fields has the wrong JSON type.
  case invalidEntry(name: String, reason: String)
  /// A tensor's header entry lacks `dtype`, `shape` or `data_offsets`.
  case missingField(name: String, field: String)
  /// A tensor's dtype is not one of F32, F16, I32, U8, BOOL.
  case unsupportedDType(name: String, dtype: String)
  /// A tensor's shape has a negative dimension.
  case negativeDimension(name: String, shape: [Int])
  /// A tensor's element count or byte count does not fit in an `Int`.
  case sizeOverflow(name: String, shape: [Int])
  /// A tensor's data offsets are reversed, negative or past the end of the data.
  case offsetsOutOfRange(name: String, begin: Int, end: Int, dataSize: Int)
  /// Two tensors' byte ranges overlap.
  case overlappingOffsets(name: String, other: String)
  /// Bytes between two tensors, before the first or after the last belong to no tensor.
  case gapInData(before: String?, offset: Int, length: Int)
  /// A tensor's byte range (or, when writing, its bytes) does not hold element count x item size bytes.
  case byteCountMismatch(name: String, expected: Int, actual: Int)
  /// `__metadata__` names the header's metadata and cannot name a tensor.
  case reservedName
  /// The file could not be opened or read.
  case unreadable(path: String, reason: String)

  /// A one-line explanation naming the tensor or header field at fault.
  public var description: String {
    switch self {
    case let .fileTooShort(size):
      return "safetensors: file has \(size) bytes, fewer than the 8-byte header length"
    case let .headerLengthAbsurd(length, limit):
      return "safetensors: header length \(length) exceeds the \(limit)-byte limit"
    case let .headerBeyondFile(length, available):
      return "safetensors: header length \(length) runs past the end of the file (\(available) bytes follow it)"
    case .headerNotUTF8:
      return "safetensors: header is not valid UTF-8"
    case let .invalidJSON(reason):
      return "safetensors: header is not valid JSON (\(reason))"
    case .headerNotObject:
      return "safetensors: header is not a JSON object"
    case .invalidMetadata:
      return "safetensors: __metadata__ must be an object of string values"
    case let .invalidEntry(name, reason):
      return "safetensors: tensor '\(name)': \(reason)"
    case let .missingField(name, field):
      return "safetensors: tensor '\(name)' has no '\(field)' field"
    case let .unsupportedDType(name, dtype):
      let known = Self.otherFormatDTypes.contains(dtype)
        ? "a safetensors dtype this library does not support" : "not a safetensors dtype"
      return "safetensors: tensor '\(name)' has dtype '\(dtype)', \(known) (supported: F32, F16, I32, U8, BOOL)"
    case let .negativeDimension(name, shape):
      return "safetensors: tensor '\(name)' has a negative dimension in shape \(shape)"
    case let .sizeOverflow(name, shape):
      return "safetensors: tensor '\(name)' with shape \(shape) has more bytes than fit in memory"
    case let .offsetsOutOfRange(name, begin, end, dataSize):
      return "safetensors: tensor '\(name)': data_offsets [\(begin), \(end)] outside the \(dataSize)-byte data section"
    case let .overlappingOffsets(name, other):
      return "safetensors: tensors '\(other)' and '\(name)' have overlapping data_offsets"
    case let .gapInData(before, offset, length):
      let place = before.map { "after tensor '\($0)'" } ?? "before the first tensor"
      return "safetensors: \(length) bytes at data offset \(offset) \(place) belong to no tensor"
    case let .byteCountMismatch(name, expected, actual):
      return "safetensors: tensor '\(name)' has \(actual) bytes, its dtype and shape need \(expected)"
    case .reservedName:
      return "safetensors: '__metadata__' cannot name a tensor"
    case let .unreadable(path, reason):
      return "safetensors: cannot read \(path) (\(reason))"
    }
  }

  /// Dtypes the safetensors format defines beyond the five this library maps to `DType`.
  static let otherFormatDTypes: Set<String> = [
    "F64", "I64", "I16", "I8", "U64", "U32", "U16", "BF16", "F8_E4M3", "F8_E5M2", "C64", "F4", "F6_E2M3",
    "F6_E3M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ",
  ]
}

/// The safetensors file format: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the tensors' bytes back to back.
enum Safetensors {
  /// Headers longer than this are rejected rather than read.
  static let headerLimit = 100_000_000

  /// Returns `entries` and `metadata` as the bytes of a safetensors file.
  ///
  /// Tensors are written in name order; the header is padded with spaces to a multiple of 8 bytes so the
  /// data starts aligned.
  static func encode(
    _ entries: [String: SafetensorsEntry], metadata: [String: String] = [:]
  ) throws(SafetensorsError) -> [UInt8] {
    var fields: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.sorted { $0.key < $1.key }.map { "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))" }
      fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    let names = entries.keys.sorted()
    var offset = 0
    for name in names {
      let entry = entries[name]!
      guard name != "__metadata__" else { throw .reservedName }
      let expected = try byteCount(of: entry.dtype, shape: entry.shape, name: name)
      guard entry.bytes.count == expected else {
        throw .byteCountMismatch(name: name, expected: expected, actual: entry.bytes.count)
      }
      let shape = entry.shape.map(String.init).joined(separator: ",")
      fields.append("""
        \(JSONText.quoted(name)):{"dtype":"\(entry.dtype.safetensorsName)","shape":[\(shape)],\
        "data_offsets":[\(offset),\(offset + expected)]}
        """)
      offset += expected
    }
    var header = Array("{\(fields.joined(separator: ","))}".utf8)
    header += repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8)

    var file: [UInt8] = []
    file.reserveCapacity(8 + header.count + offset)
    file += (0..<8).map { UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * $0)) }
    file += header
    for name in names { file += entries[name]!.bytes }
    return file
  }

  /// Returns the tensors and metadata stored in the safetensors file `bytes`, after checking that every
  /// tensor's byte range matches its dtype and shape and that the ranges tile the data section exactly.
  static func decode(
    _ bytes: [UInt8]
  ) throws(SafetensorsError) -> (entries: [String: SafetensorsEntry], metadata: [String: String]) {
    guard bytes.count >= 8 else { throw .fileTooShort(size: bytes.count) }
    let declared = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
    guard declared <= UInt64(headerLimit) else { throw .headerLengthAbsurd(length: declared, limit: headerLimit) }
    let headerLength = Int(declared)
    guard headerLength <= bytes.count - 8 else {
      throw .headerBeyondFile(length: headerLength, available: bytes.count - 8)
    }
    let header = try SafetensorsHeader(parsing: bytes[8..<8 + headerLength])

    let dataStart = 8 + headerLength
    let dataSize = bytes.count - dataStart
    var entries: [String: SafetensorsEntry] = [:]
    for tensor in header.tensors {
      guard 0 <= tensor.begin, tensor.begin <= tensor.end, tensor.end <= dataSize else {
        throw .offsetsOutOfRange(name: tensor.name, begin: tensor.begin, end: tensor.end, dataSize: dataSize)
      }
      let expected = try byteCount(of: tensor.dtype, shape: tensor.shape, name: tensor.name)
      guard tensor.end - tensor.begin == expected else {
        throw .byteCountMismatch(name: tensor.name, expected: expected, actual: tensor.end - tensor.begin)
      }
      let range = dataStart + tensor.begin..<dataStart + tensor.end
      entries[tensor.name] = SafetensorsEntry(dtype: tensor.dtype, shape: tensor.shape, bytes: Array(bytes[range]))
    }

    var covered = 0
    var previous: String?
    for tensor in header.tensors.sorted(by: { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }) {
      if tensor.begin < covered { throw .overlappingOffsets(name: tensor.name, other: previous ?? "") }
      if tensor.begin > covered { throw .gapInData(before: previous, offset: covered, length: tensor.begin - covered) }
      covered = tensor.end
      previous = tensor.name
    }
    guard covered == dataSize else { throw .gapInData(before: previous, offset: covered, length: dataSize - covered) }
    return (entries, header.metadata)
  }

  /// Returns the byte count of a tensor of `dtype` and `shape`, rejecting negative or overflowing shapes.
  ///
  /// A shape with a zero dimension holds no bytes, but its other dimensions must still multiply to a size that
  /// fits in an `Int`: the tensor's strides are products of them.
  private static func byteCount(of dtype: DType, shape: [Int], name: String) throws(SafetensorsError) -> Int {
    guard shape.allSatisfy({ $0 >= 0 }) else { throw .negativeDimension(name: name, shape: shape) }
    var count = dtype.itemSize
    for size in shape where size != 0 {
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow else { throw .sizeOverflow(name: name, shape: shape) }
      count = product
    }
    return shape.contains(0) ? 0 : count
  }
}

extension DType {
  /// The dtype a safetensors header name stands for, or `nil` for one this library does not support.
  init?(safetensorsName: String) {
    let all: [DType] = [.float32, .float16, .int32, .uint8, .bool]
    guard let match = all.first(where: { $0.safetensorsName == safetensorsName }) else { return nil }
    self = match
  }
}

/// A parsed safetensors JSON header: each tensor's description and the free-form string metadata.
private struct SafetensorsHeader: Decodable {
  struct TensorInfo {
    var name: String
    var dtype: DType
    var shape: [Int]
    var begin: Int
    var end: Int
  }

  var tensors: [TensorInfo] = []
  var metadata: [String: String] = [:]

  init(parsing bytes: ArraySlice<UInt8>) throws(SafetensorsError) {
    guard let text = String(validating: bytes, as: UTF8.self) else { throw .headerNotUTF8 }
    let json = Data(text.utf8)
    do {
      self = try JSONDecoder().decode(Self.self, from: json)
    } catch let error as SafetensorsError {
      throw error
    } catch {
      // JSONDecoder does not say where the syntax error is; JSONSerialization does.
      var reason = String(describing: error)
      do {
        _ = try JSONSerialization.jsonObject(with: json, options: .fragmentsAllowed)
      } catch {
        reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? reason
      }
      throw .invalidJSON(reason: reason)
    }
  }

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  init(from decoder: any Decoder) throws {
    let object: KeyedDecodingContainer<Key>
    do {
      object = try decoder.container(keyedBy: Key.self)
    } catch {
      throw SafetensorsError.headerNotObject
    }
    for key in object.allKeys {
      if key.stringValue == "__metadata__" {
        do {
          metadata = try object.decodeNil(forKey: key) ? [:] : object.decode([String: String].self, forKey: key)
        } catch {
          throw SafetensorsError.invalidMetadata
        }
      } else {
        tensors.append(try Self.tensorInfo(at: key, in: object))
      }
    }
  }

  private static func tensorInfo(at key: Key, in object: KeyedDecodingContainer<Key>) throws -> TensorInfo {
    let name = key.stringValue
    let fields: KeyedDecodingContainer<Key>
    do {
      fields = try object.nestedContainer(keyedBy: Key.self, forKey: key)
    } catch {
      throw SafetensorsError.invalidEntry(name: name, reason: "header entry is not an object")
    }
    func field<Value: Decodable>(_ field: String, _ type: Value.Type, _ expectation: String) throws -> Value {
      let fieldKey = Key(stringValue: field)
      guard fields.contains(fieldKey) else { throw SafetensorsError.missingField(name: name, field: field) }
      do {
        return try fields.decode(type, forKey: fieldKey)
      } catch {
        throw SafetensorsError.invalidEntry(name: name, reason: "'\(field)' must be \(expectation)")
      }
    }
    let dtypeName = try field("dtype", String.self, "a string")
    let shape = try field("shape", [Int].self, "an array of integers")
    let offsets = try field("data_offsets", [Int].self, "an array of two integers")
    guard offsets.count == 2 else {
      throw SafetensorsError.invalidEntry(name: name, reason: "'data_offsets' must be an array of two integers")
    }
    guard let dtype = DType(safetensorsName: dtypeName) else {
      throw SafetensorsError.unsupportedDType(name: name, dtype: dtypeName)
    }
    return TensorInfo(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
  }
}
