import Foundation
import Testing

@testable import Teenygrad

private let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
  .appendingPathComponent("safetensors")

private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
  values.flatMap { value in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}

private func floatBytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values.map(\.bitPattern)) }

/// The tensors in Fixtures/safetensors/swift_written.safetensors; tools/gen_safetensors_fixture.py mirrors this table.
private let swiftWritten: [String: SafetensorsEntry] = [
  "conv.weight": SafetensorsEntry(dtype: .float32, shape: [2, 1, 2, 2],
                                  bytes: floatBytes((0..<8).map { Float($0) * 0.5 - 2 })),
  "specials": SafetensorsEntry(dtype: .float32, shape: [4], bytes: floatBytes([-0.0, .infinity, -.infinity, .nan])),
  "half": SafetensorsEntry(dtype: .float16, shape: [3], bytes: littleEndianBytes([0x3C00, 0xB800, 0x6800] as [UInt16])),
  "step": SafetensorsEntry(dtype: .int32, shape: [], bytes: littleEndianBytes([1234] as [Int32])),
  "labels": SafetensorsEntry(dtype: .uint8, shape: [5], bytes: [0, 9, 3, 255, 7]),
  "mask": SafetensorsEntry(dtype: .bool, shape: [2, 2], bytes: [1, 0, 0, 1]),
  "empty": SafetensorsEntry(dtype: .float32, shape: [0], bytes: []),
  "na\u{ef}ve \"quoted\"\n": SafetensorsEntry(dtype: .uint8, shape: [1], bytes: [42]),
]
private let swiftMetadata = ["format": "teenygrad", "note": "written by the Swift codec"]

/// A safetensors file with `header` as its JSON header and `data` after it.
private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
  littleEndianBytes([UInt64(header.utf8.count)]) + Array(header.utf8) + data
}

/// One tensor's header entry, JSON-encoded.
private func entry(
  _ name: String, _ dtype: String = "F32", shape: String = "[2]", offsets: String = "[0,8]"
) -> String {
  "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
}

/// A safetensors file whose header holds `entries` and whose data section is `data`.
private func file(entries: String..., data: [UInt8] = []) -> [UInt8] {
  file("{" + entries.joined(separator: ",") + "}", data: data)
}

private func decodeError(_ bytes: [UInt8]) -> SafetensorsError? {
  do {
    _ = try Safetensors.decode(bytes)
    return nil
  } catch {
    return error
  }
}

@Suite struct SafetensorsCodecTests {
  @Test func decodesWhatPythonWrote() throws {
    let bytes = try [UInt8](Data(contentsOf: fixtures.appendingPathComponent("python_written.safetensors")))
    let expected = try JSONSerialization.jsonObject(
      with: Data(contentsOf: fixtures.appendingPathComponent("python_written.json"))) as! [String: Any]
    let (entries, metadata) = try Safetensors.decode(bytes)
    #expect(metadata == expected["metadata"] as? [String: String])
    let tensors = expected["tensors"] as! [String: [String: Any]]
    #expect(Set(entries.keys) == Set(tensors.keys))
    for (name, want) in tensors {
      let got = try #require(entries[name])
      #expect(got.dtype.safetensorsName == want["dtype"] as? String, "\(name)")
      #expect(got.shape == want["shape"] as? [Int], "\(name)")
      #expect(values(of: got) == (want["values"] as! [NSNumber]).map(\.doubleValue), "\(name)")
    }
  }

  @Test func encodesTheCommittedSwiftFixtureByteForByte() throws {
    let committed = try [UInt8](Data(contentsOf: fixtures.appendingPathComponent("swift_written.safetensors")))
    #expect(try Safetensors.encode(swiftWritten, metadata: swiftMetadata) == committed)
    let (entries, metadata) = try Safetensors.decode(committed)
    #expect(entries == swiftWritten && metadata == swiftMetadata)
  }

  /// Rewrites swift_written.safetensors; run once with TEENYGRAD_WRITE_FIXTURES=1 after changing the table,
  /// then check it with `python3 tools/gen_safetensors_fixture.py --check <file>`.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["TEENYGRAD_WRITE_FIXTURES"] != nil))
  func writeSwiftFixture() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/safetensors/swift_written.safetensors")
    try Data(Safetensors.encode(swiftWritten, metadata: swiftMetadata)).write(to: url, options: .atomic)
  }

  @Test func encodingIsAlignedSortedAndRoundTrips() throws {
    let bytes = try Safetensors.encode(["b": swiftWritten["labels"]!, "a": swiftWritten["conv.weight"]!])
    let headerLength = Int(bytes[0])
    #expect(headerLength % 8 == 0 && bytes[1..<8].allSatisfy { $0 == 0 })
    let header = String(decoding: bytes[8..<8 + headerLength], as: UTF8.self)
    #expect(header.hasPrefix("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,1,2,2],\"data_offsets\":[0,32]},\"b\":"))
    #expect(!header.contains("__metadata__"))
    #expect(Array(bytes[(8 + headerLength)...]) == swiftWritten["conv.weight"]!.bytes + swiftWritten["labels"]!.bytes)
    #expect(try Safetensors.decode(bytes).entries == ["a": swiftWritten["conv.weight"]!, "b": swiftWritten["labels"]!])
    #expect(try Safetensors.decode(Safetensors.encode([:])).entries.isEmpty)
  }

  @Test func encodingRejectsInconsistentEntries() {
    #expect(throws: SafetensorsError.reservedName) {
      try Safetensors.encode(["__metadata__": SafetensorsEntry(dtype: .uint8, shape: [1], bytes: [1])])
    }
    #expect(throws: SafetensorsError.byteCountMismatch(name: "x", expected: 8, actual: 4)) {
      try Safetensors.encode(["x": SafetensorsEntry(dtype: .float32, shape: [2], bytes: [0, 0, 0, 0])])
    }
    #expect(throws: SafetensorsError.negativeDimension(name: "x", shape: [-1])) {
      try Safetensors.encode(["x": SafetensorsEntry(dtype: .float32, shape: [-1], bytes: [])])
    }
  }

  @Test func rejectsBadFraming() {
    for size in 0..<8 {
      #expect(decodeError([UInt8](repeating: 0, count: size)) == .fileTooShort(size: size))
    }
    #expect(decodeError([UInt8](repeating: 0xff, count: 16))
            == .headerLengthAbsurd(length: .max, limit: Safetensors.headerLimit))
    #expect(decodeError(littleEndianBytes([UInt64(9)]) + Array("{}".utf8))
            == .headerBeyondFile(length: 9, available: 2))
  }

  @Test func rejectsBadHeaders() throws {
    #expect(decodeError(littleEndianBytes([UInt64(3)]) + [0x7b, 0xff, 0x7d]) == .headerNotUTF8)
    #expect(decodeError(file("")).map { if case .invalidJSON = $0 { true } else { false } } == true)
    #expect(decodeError(file("{\"a\":")).map { if case .invalidJSON = $0 { true } else { false } } == true)
    #expect(decodeError(file("[1, 2]")) == .headerNotObject)
    #expect(decodeError(file("\"text\"")) == .headerNotObject)
    #expect(decodeError(file("{\"__metadata__\":{\"a\":1}}")) == .invalidMetadata)
    #expect(decodeError(file("{\"__metadata__\":[]}")) == .invalidMetadata)
    #expect(try Safetensors.decode(file("{\"__metadata__\":null}     ")).metadata.isEmpty)
  }

  @Test func rejectsBadEntries() {
    #expect(decodeError(file("{\"x\":5}")) == .invalidEntry(name: "x", reason: "header entry is not an object"))
    for field in ["dtype", "shape", "data_offsets"] {
      let fields = ["\"dtype\":\"F32\"", "\"shape\":[2]", "\"data_offsets\":[0,8]"]
        .filter { !$0.hasPrefix("\"\(field)") }
      #expect(decodeError(file("{\"x\":{\(fields.joined(separator: ","))}}", data: [UInt8](repeating: 0, count: 8)))
              == .missingField(name: "x", field: field))
    }
    #expect(decodeError(file("{\"x\":{\"dtype\":3,\"shape\":[2],\"data_offsets\":[0,8]}}"))
            == .invalidEntry(name: "x", reason: "'dtype' must be a string"))
    #expect(decodeError(file(entries: entry("x", shape: "[2.5]")))
            == .invalidEntry(name: "x", reason: "'shape' must be an array of integers"))
    #expect(decodeError(file(entries: entry("x", shape: "[1e30]")))
            == .invalidEntry(name: "x", reason: "'shape' must be an array of integers"))
    #expect(decodeError(file(entries: entry("x", offsets: "[0]")))
            == .invalidEntry(name: "x", reason: "'data_offsets' must be an array of two integers"))
  }

  @Test func rejectsUnsupportedDTypes() {
    #expect(decodeError(file(entries: entry("x", "F64"))) == .unsupportedDType(name: "x", dtype: "F64"))
    #expect("\(SafetensorsError.unsupportedDType(name: "x", dtype: "F64"))"
              .contains("a safetensors dtype this library does not support"))
    #expect("\(SafetensorsError.unsupportedDType(name: "x", dtype: "Q7"))".contains("not a safetensors dtype"))
  }

  @Test func rejectsBadShapes() {
    let data = [UInt8](repeating: 0, count: 8)
    #expect(decodeError(file(entries: entry("x", shape: "[-2]"), data: data))
            == .negativeDimension(name: "x", shape: [-2]))
    #expect(decodeError(file(entries: entry("x", shape: "[\(Int.max), 2]"), data: data))
            == .sizeOverflow(name: "x", shape: [Int.max, 2]))
    #expect(decodeError(file(entries: entry("x", shape: "[3]"), data: data))
            == .byteCountMismatch(name: "x", expected: 12, actual: 8))
  }

  @Test func rejectsBadOffsets() {
    let data = [UInt8](repeating: 0, count: 16)
    #expect(decodeError(file(entries: entry("x", offsets: "[8,24]"), data: data))
            == .offsetsOutOfRange(name: "x", begin: 8, end: 24, dataSize: 16))
    #expect(decodeError(file(entries: entry("x", offsets: "[8,0]"), data: data))
            == .offsetsOutOfRange(name: "x", begin: 8, end: 0, dataSize: 16))
    #expect(decodeError(file(entries: entry("x", offsets: "[-8,0]"), data: data))
            == .offsetsOutOfRange(name: "x", begin: -8, end: 0, dataSize: 16))
    #expect(decodeError(file(entries: entry("a", offsets: "[0,8]"), entry("b", offsets: "[4,12]"), data: data))
            == .overlappingOffsets(name: "b", other: "a"))
    #expect(decodeError(file(entries: entry("a", offsets: "[8,16]"), data: data))
            == .gapInData(before: nil, offset: 0, length: 8))
    #expect(decodeError(file(entries: entry("a", offsets: "[0,8]"), data: data))
            == .gapInData(before: "a", offset: 8, length: 8))
    let threeSlots = [UInt8](repeating: 0, count: 24)
    #expect(decodeError(file(entries: entry("a", offsets: "[0,8]"), entry("b", offsets: "[16,24]"), data: threeSlots))
            == .gapInData(before: "a", offset: 8, length: 8))
  }

  @Test func acceptsAnyDataOrderAndEmptyTensors() throws {
    let data = floatBytes([1, 2, 3, 4])
    let header = "{" + entry("late", offsets: "[0,8]") + "," + entry("early", offsets: "[8,16]") + ","
      + entry("none", shape: "[0,4]", offsets: "[16,16]") + "}"
    let entries = try Safetensors.decode(file(header, data: data)).entries
    #expect(entries["late"]?.bytes == floatBytes([1, 2]) && entries["early"]?.bytes == floatBytes([3, 4]))
    #expect(entries["none"] == SafetensorsEntry(dtype: .float32, shape: [0, 4], bytes: []))
  }
}

/// Returns the elements of `entry` as `Double`s (booleans as 0 and 1).
private func values(of entry: SafetensorsEntry) -> [Double] {
  let bytes = entry.bytes
  func word<T: FixedWidthInteger>(_: T.Type, _ index: Int) -> T {
    let size = MemoryLayout<T>.size
    return (0..<size).reduce(T.zero) { $0 | T(truncatingIfNeeded: bytes[index * size + $1]) << (8 * $1) }
  }
  let count = bytes.count / entry.dtype.itemSize
  switch entry.dtype {
  case .float32: return (0..<count).map { Double(Float(bitPattern: word(UInt32.self, $0))) }
  case .float16: return (0..<count).map { Double(Float16(bitPattern: word(UInt16.self, $0))) }
  case .int32: return (0..<count).map { Double(word(Int32.self, $0)) }
  case .uint8, .bool: return bytes.map(Double.init)
  }
}
