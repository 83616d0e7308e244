import Foundation
import Testing
import Teenygrad

/// One malformed input a user can hand the library, and the exact message it must fail with.
///
/// `run` gets a fresh empty folder to put files in; messages name that folder as `$TMP`.
struct BadInput: Sendable, CustomTestStringConvertible {
  let area: String
  let input: String
  let message: String
  let run: @Sendable (URL) throws -> Void

  var testDescription: String { "\(area): \(input)" }

  init(_ area: String, _ input: String, _ message: String, _ run: @escaping @Sendable (URL) throws -> Void) {
    self.area = area
    self.input = input
    self.message = message
    self.run = run
  }

  /// Runs the case in a fresh folder and returns the message it failed with, or `nil` when it did not throw.
  func failure() throws -> String? {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("teenygrad-bad-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    do {
      try run(folder)
      return nil
    } catch {
      return "\(error)".replacingOccurrences(of: folder.path, with: "$TMP")
    }
  }
}

// MARK: inputs

/// A valid IDX file: shape [2, 3] holding 1...6.
private let smallIDX: [UInt8] = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]
/// `smallIDX` gzip-compressed.
private let smallIDXGzip: [UInt8] = [
  0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0xe0, 0x60, 0x62, 0x60, 0x60, 0x00,
  0x61, 0x66, 0x46, 0x26, 0x66, 0x16, 0x56, 0x36, 0x00, 0x48, 0x94, 0x3e, 0xe5, 0x12, 0x00, 0x00, 0x00,
]
/// One gzip member of 65,536 zero bytes (96 bytes compressed).
private let zerosMember: [UInt8] =
  [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xed, 0xc1, 0x01, 0x01, 0x00, 0x00, 0x00, 0x80,
   0x90, 0xfe, 0xaf, 0xee, 0x08, 0x0a] + [UInt8](repeating: 0, count: 63)
  + [0x6a, 0xeb, 0x8e, 0x97, 0xd7, 0x00, 0x00, 0x01, 0x00]

private func withByte(_ bytes: [UInt8], at index: Int, _ value: UInt8) -> [UInt8] {
  var copy = bytes
  copy[index] = value
  return copy
}

private func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

/// A safetensors file with `header` as its JSON header and `data` after it.
private func safetensors(_ header: String, data: [UInt8] = []) -> [UInt8] {
  le64(UInt64(header.utf8.count)) + Array(header.utf8) + data
}

/// A safetensors file with one entry per `(name, dtype, shape, offsets)` and `dataSize` zero data bytes.
private func safetensors(_ entries: [(String, String, String, String)], dataSize: Int) -> [UInt8] {
  let fields = entries.map { "\"\($0.0)\":{\"dtype\":\"\($0.1)\",\"shape\":\($0.2),\"data_offsets\":\($0.3)}" }
  return safetensors("{" + fields.joined(separator: ",") + "}", data: [UInt8](repeating: 0, count: dataSize))
}

private func parseIDX(_ bytes: [UInt8]) -> @Sendable (URL) throws -> Void {
  { _ in _ = try IDXArray(parsing: bytes, file: "t.idx") }
}

private func gunzipIDX(_ bytes: [UInt8], limit: Int = 1000, sha256: String? = nil) -> @Sendable (URL) throws -> Void {
  { _ in _ = try IDXArray(gzipped: bytes, limit: limit, sha256: sha256, file: "t.gz") }
}

private func load(_ bytes: [UInt8]) -> @Sendable (URL) throws -> Void {
  { _ in _ = try safeLoad(bytes: bytes) }
}

/// Patterned images, enough to build a trainer without the MNIST files.
private func syntheticImages() -> DigitImages {
  DigitImages(images: [UInt8](repeating: 7, count: 4 * MNIST.pixelsPerImage), labels: [0, 1, 2, 3])
}

/// Writes a checkpoint of `kind` to `folder/name` after changing its tensors with `edit`, then loads it into a
/// trainer of `into`.
private func checkpointCase(
  _ kind: MNISTModelKind, into target: MNISTModelKind = .tiny, edit: @escaping @Sendable ([String: Tensor]) -> [String: Tensor] = { $0 }
) -> @Sendable (URL) throws -> Void {
  { folder in
    let url = folder.appendingPathComponent("ckpt.safetensors")
    try GlobalState.serialized {
      let source = MNISTTrainer(kind: kind, data: syntheticImages(), batchSize: 2)
      try safeSave(edit(source.checkpointState), to: url)
      try MNISTTrainer(kind: target, data: syntheticImages(), batchSize: 2).loadCheckpoint(from: url)
    }
  }
}

/// Writes `bytes` to `folder/ckpt.safetensors` and resumes a tiny trainer from it.
private func checkpointFile(_ bytes: [UInt8]) -> @Sendable (URL) throws -> Void {
  { folder in
    let url = folder.appendingPathComponent("ckpt.safetensors")
    try Data(bytes).write(to: url)
    try GlobalState.serialized {
      try MNISTTrainer(kind: .tiny, data: syntheticImages(), batchSize: 2).loadCheckpoint(from: url)
    }
  }
}

/// Puts `bytes` in the MNIST folder as the training images (the other files absent) and loads the folder.
private func mnistFolder(trainImages bytes: [UInt8], verify: Bool) -> @Sendable (URL) throws -> Void {
  { folder in
    try Data(bytes).write(to: folder.appendingPathComponent("train-images-idx3-ubyte.gz"))
    _ = try MNIST(directory: folder.path, download: false, verify: verify)
  }
}

extension BadInput {
  // swiftlint:disable line_length
  static let idx: [BadInput] = [
    BadInput("IDX", "empty file", "t.idx: not an IDX file (header starts with [], expected 00 00 <type> <ndim>)", parseIDX([])),
    BadInput("IDX", "magic 01 00 08 01", "t.idx: not an IDX file (header starts with [01 00 08 01], expected 00 00 <type> <ndim>)", parseIDX([1, 0, 8, 1, 0, 0, 0, 1, 7])),
    BadInput("IDX", "gzip bytes parsed as IDX", "t.idx: not an IDX file (header starts with [1f 8b 08 00], expected 00 00 <type> <ndim>)", parseIDX(smallIDXGzip)),
    BadInput("IDX", "type 0x0d (float32)", "t.idx: IDX element type 0x0d (32-bit float) is valid IDX but only unsigned bytes (0x08) are supported", parseIDX([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0])),
    BadInput("IDX", "type 0x07 (undefined)", "t.idx: 0x07 is not an IDX element type code (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)", parseIDX([0, 0, 7, 1, 0, 0, 0, 1, 0])),
    BadInput("IDX", "zero dimensions", "t.idx: IDX header declares dimensions []; an array needs at least one, none of size zero", parseIDX([0, 0, 8, 0])),
    BadInput("IDX", "a dimension of size 0", "t.idx: IDX header declares dimensions [2, 0]; an array needs at least one, none of size zero", parseIDX([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 0])),
    BadInput("IDX", "dimensions overflow Int", "t.idx: IDX dimensions [4294967295, 4294967295, 4294967295] multiply to more elements than fit in memory", parseIDX([0, 0, 8, 3] + [UInt8](repeating: 0xff, count: 12))),
    BadInput("IDX", "header cut inside the dimensions", "t.idx: IDX header is truncated: 10 bytes present, the dimension count needs 12", parseIDX(Array(smallIDX.prefix(10)))),
    BadInput("IDX", "255 dimensions, 4 bytes", "t.idx: IDX header is truncated: 4 bytes present, the dimension count needs 1024", parseIDX([0, 0, 8, 255])),
    BadInput("IDX", "payload one byte short", "t.idx: IDX payload is truncated: 5 bytes present, header declares 6", parseIDX(smallIDX.dropLast())),
    BadInput("IDX", "header claims 281 TB, 1 byte present", "t.idx: IDX payload is truncated: 1 bytes present, header declares 281462092005375", parseIDX([0, 0, 8, 3, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff, 9])),
    BadInput("IDX", "one trailing byte", "t.idx: IDX payload has 1 trailing bytes (7 present, header declares 6)", parseIDX(smallIDX + [0])),
  ]

  static let gzip: [BadInput] = [
    BadInput("gzip", "empty stream", "t.gz: gzip stream ends early; the file is truncated", gunzipIDX([])),
    BadInput("gzip", "stream cut after 20 of 35 bytes", "t.gz: gzip stream ends early; the file is truncated", gunzipIDX(Array(smallIDXGzip.prefix(20)))),
    BadInput("gzip", "stream missing its last byte", "t.gz: gzip stream ends early; the file is truncated", gunzipIDX(smallIDXGzip.dropLast())),
    BadInput("gzip", "uncompressed IDX given as gzip", "t.gz: corrupt gzip stream (incorrect header check)", gunzipIDX(smallIDX)),
    BadInput("gzip", "bad deflate block type", "t.gz: corrupt gzip stream (invalid block type)", gunzipIDX(withByte(smallIDXGzip, at: 10, 0xff))),
    BadInput("gzip", "CRC-32 trailer flipped", "t.gz: corrupt gzip stream (incorrect data check)", gunzipIDX(withByte(smallIDXGzip, at: 28, 0x6b))),
    BadInput("gzip", "length trailer wrong", "t.gz: corrupt gzip stream (incorrect length check)", gunzipIDX(withByte(smallIDXGzip, at: 31, 0x13))),
    BadInput("gzip", "garbage after the stream", "t.gz: corrupt gzip stream (3 bytes of garbage after the gzip data)", gunzipIDX(smallIDXGzip + [0, 1, 2])),
    BadInput("gzip", "960 KB bomb of 655 MB, limit 1 MB", "t.gz: decompresses to more than 1000000 bytes, more than this dataset file can hold", gunzipIDX(Array([[UInt8]](repeating: zerosMember, count: 10_000).joined()), limit: 1_000_000)),
    BadInput("gzip", "valid stream, wrong SHA-256", "t.gz: SHA-256 of the decompressed bytes is 99dfdf5208bf6a61c1b88e00d5f7a184fbca64ad4cd2e6f95c3a17f36216a25e, expected \(String(repeating: "0", count: 64))", gunzipIDX(smallIDXGzip, sha256: String(repeating: "0", count: 64))),
    BadInput("gzip", "valid gzip of a bad IDX", "t.gz: 0x00 is not an IDX element type code (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)", gunzipIDX(zerosMember, limit: 1 << 16)),
    BadInput("MNIST", "missing folder file", "/nonexistent/t.gz: cannot be read (no such file)", { _ in _ = try IDXArray(gzipFile: "/nonexistent/t.gz", limit: 10) }),
    BadInput("MNIST", "a folder as the file", "$TMP: cannot be read (it is a folder)", { folder in _ = try IDXArray(gzipFile: folder.path, limit: 10) }),
    BadInput("MNIST", "train images of shape [2, 3]", "$TMP/train-images-idx3-ubyte.gz: shape [2, 3], expected [60000, 28, 28]", mnistFolder(trainImages: smallIDXGzip, verify: false)),
    BadInput("MNIST", "train images with the wrong checksum", "$TMP/train-images-idx3-ubyte.gz: SHA-256 of the decompressed bytes is 99dfdf5208bf6a61c1b88e00d5f7a184fbca64ad4cd2e6f95c3a17f36216a25e, expected ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", mnistFolder(trainImages: smallIDXGzip, verify: true)),
  ]

  static let safetensorsFraming: [BadInput] = [
    BadInput("safetensors", "empty file", "safetensors: file has 0 bytes, fewer than the 8-byte header length", load([])),
    BadInput("safetensors", "7 bytes", "safetensors: file has 7 bytes, fewer than the 8-byte header length", load([1, 0, 0, 0, 0, 0, 0])),
    BadInput("safetensors", "header length 2^64-1", "safetensors: header length 18446744073709551615 exceeds the 100000000-byte limit", load([UInt8](repeating: 0xff, count: 16))),
    BadInput("safetensors", "header length past the end", "safetensors: header length 9 runs past the end of the file (2 bytes follow it)", load(le64(9) + Array("{}".utf8))),
    BadInput("safetensors", "header not UTF-8", "safetensors: header is not valid UTF-8", load(le64(3) + [0x7b, 0xff, 0x7d])),
    BadInput("safetensors", "empty header", "safetensors: header is not valid JSON (Unexpected end of file during JSON parse.)", load(safetensors(""))),
    BadInput("safetensors", "header cut mid-JSON", "safetensors: header is not valid JSON (Unexpected end of file during JSON parse.)", load(safetensors("{\"a\":"))),
    BadInput("safetensors", "header is a JSON array", "safetensors: header is not a JSON object", load(safetensors("[1, 2]"))),
    BadInput("safetensors", "__metadata__ with a number", "safetensors: __metadata__ must be an object of string values", load(safetensors("{\"__metadata__\":{\"a\":1}}"))),
    BadInput("safetensors", "entry is a number", "safetensors: tensor 'x': header entry is not an object", load(safetensors("{\"x\":5}"))),
    BadInput("safetensors", "entry without dtype", "safetensors: tensor 'x' has no 'dtype' field", load(safetensors("{\"x\":{\"shape\":[2],\"data_offsets\":[0,8]}}", data: [UInt8](repeating: 0, count: 8)))),
    BadInput("safetensors", "entry without shape", "safetensors: tensor 'x' has no 'shape' field", load(safetensors("{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", data: [UInt8](repeating: 0, count: 8)))),
    BadInput("safetensors", "entry without data_offsets", "safetensors: tensor 'x' has no 'data_offsets' field", load(safetensors("{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}", data: [UInt8](repeating: 0, count: 8)))),
    BadInput("safetensors", "dtype is a number", "safetensors: tensor 'x': 'dtype' must be a string", load(safetensors("{\"x\":{\"dtype\":3,\"shape\":[2],\"data_offsets\":[0,8]}}"))),
    BadInput("safetensors", "shape [2.5]", "safetensors: tensor 'x': 'shape' must be an array of integers", load(safetensors([("x", "F32", "[2.5]", "[0,8]")], dataSize: 8))),
    BadInput("safetensors", "data_offsets [0]", "safetensors: tensor 'x': 'data_offsets' must be an array of two integers", load(safetensors([("x", "F32", "[2]", "[0]")], dataSize: 8))),
  ]

  static let safetensorsTensors: [BadInput] = [
    BadInput("safetensors", "dtype F64", "safetensors: tensor 'x' has dtype 'F64', a safetensors dtype this library does not support (supported: F32, F16, I32, U8, BOOL)", load(safetensors([("x", "F64", "[1]", "[0,8]")], dataSize: 8))),
    BadInput("safetensors", "dtype Q7", "safetensors: tensor 'x' has dtype 'Q7', not a safetensors dtype (supported: F32, F16, I32, U8, BOOL)", load(safetensors([("x", "Q7", "[2]", "[0,8]")], dataSize: 8))),
    BadInput("safetensors", "shape [-2]", "safetensors: tensor 'x' has a negative dimension in shape [-2]", load(safetensors([("x", "F32", "[-2]", "[0,8]")], dataSize: 8))),
    BadInput("safetensors", "shape [Int.max, 2]", "safetensors: tensor 'x' with shape [9223372036854775807, 2] has more bytes than fit in memory", load(safetensors([("x", "F32", "[\(Int.max),2]", "[0,8]")], dataSize: 8))),
    BadInput("safetensors", "shape [0, 2^62, 2^62] (zero bytes, overflowing strides)", "safetensors: tensor 'x' with shape [0, 4611686018427387904, 4611686018427387904] has more bytes than fit in memory", load(safetensors([("x", "F32", "[0,\(1 << 62),\(1 << 62)]", "[0,0]")], dataSize: 0))),
    BadInput("safetensors", "shape [3] over 8 bytes", "safetensors: tensor 'x' has 8 bytes, its dtype and shape need 12", load(safetensors([("x", "F32", "[3]", "[0,8]")], dataSize: 8))),
    BadInput("safetensors", "claims 4 TB, file has none", "safetensors: tensor 'x': data_offsets [0, 4000000000000] outside the 0-byte data section", load(safetensors([("x", "F32", "[1000000,1000000]", "[0,4000000000000]")], dataSize: 0))),
    BadInput("safetensors", "offsets past the data", "safetensors: tensor 'x': data_offsets [8, 24] outside the 16-byte data section", load(safetensors([("x", "F32", "[4]", "[8,24]")], dataSize: 16))),
    BadInput("safetensors", "offsets reversed", "safetensors: tensor 'x': data_offsets [8, 0] outside the 16-byte data section", load(safetensors([("x", "F32", "[2]", "[8,0]")], dataSize: 16))),
    BadInput("safetensors", "negative offset", "safetensors: tensor 'x': data_offsets [-8, 0] outside the 16-byte data section", load(safetensors([("x", "F32", "[2]", "[-8,0]")], dataSize: 16))),
    BadInput("safetensors", "overlapping tensors", "safetensors: tensors 'a' and 'b' have overlapping data_offsets", load(safetensors([("a", "F32", "[2]", "[0,8]"), ("b", "F32", "[2]", "[4,12]")], dataSize: 16))),
    BadInput("safetensors", "bytes before the first tensor", "safetensors: 8 bytes at data offset 0 before the first tensor belong to no tensor", load(safetensors([("a", "F32", "[2]", "[8,16]")], dataSize: 16))),
    BadInput("safetensors", "bytes after the last tensor", "safetensors: 8 bytes at data offset 8 after tensor 'a' belong to no tensor", load(safetensors([("a", "F32", "[2]", "[0,8]")], dataSize: 16))),
    BadInput("safetensors", "missing file", "safetensors: cannot read $TMP/absent.safetensors (no such file)", { folder in _ = try safeLoad(from: folder.appendingPathComponent("absent.safetensors")) }),
    BadInput("safetensors", "a folder as the file", "safetensors: cannot read $TMP (it is a folder)", { folder in _ = try safeLoad(from: folder) }),
    BadInput("safetensors", "saving a tensor named __metadata__", "safetensors: '__metadata__' cannot name a tensor", { folder in try safeSave(["__metadata__": Tensor([1] as [Float])], to: folder.appendingPathComponent("m.safetensors")) }),
  ]

  static let checkpoint: [BadInput] = [
    BadInput("checkpoint", "missing file", "no checkpoint at $TMP/absent.safetensors", { folder in
      try GlobalState.serialized { try MNISTTrainer(kind: .tiny, data: syntheticImages()).loadCheckpoint(from: folder.appendingPathComponent("absent.safetensors")) }
    }),
    BadInput("checkpoint", "convnet checkpoint resumed as tiny", "checkpoint $TMP/ckpt.safetensors holds a 'convnet' model, not 'tiny'", checkpointCase(.convnet)),
    BadInput("checkpoint", "tiny checkpoint resumed as convnet", "checkpoint $TMP/ckpt.safetensors holds a 'tiny' model, not 'convnet'", checkpointCase(.tiny, into: .convnet)),
    BadInput("checkpoint", "plain weights file", "checkpoint $TMP/ckpt.safetensors is not a training checkpoint: no entry 'train.model_kind'", checkpointCase(.tiny) { state in state.filter { $0.key.hasPrefix("model.") } }),
    BadInput("checkpoint", "step entry removed", "checkpoint $TMP/ckpt.safetensors is not a training checkpoint: no entry 'train.step'", checkpointCase(.tiny) { state in state.filter { $0.key != "train.step" } }),
    BadInput("checkpoint", "negative step count", "checkpoint $TMP/ckpt.safetensors is not a training checkpoint: negative step count -5", checkpointCase(.tiny) { state in state.merging(["train.step": Tensor([-5] as [Int32])]) { $1 } }),
    BadInput("checkpoint", "random state of 3 floats", "checkpoint $TMP/ckpt.safetensors is not a training checkpoint: 'train.random_state' is float32 [3]", checkpointCase(.tiny) { state in state.merging(["train.random_state": Tensor([1, 2, 3] as [Float])]) { $1 } }),
    BadInput("checkpoint", "a weight of the wrong shape", "checkpoint $TMP/ckpt.safetensors is not a training checkpoint: \"model.l1\" has shape [1], expected [400, 10]", checkpointCase(.tiny) { state in state.merging(["model.l1": Tensor([1] as [Float])]) { $1 } }),
    BadInput("checkpoint", "a weight of the wrong dtype", "checkpoint $TMP/ckpt.safetensors is not a training checkpoint: 'model.l1' is int32, expected float32", checkpointCase(.tiny) { state in state.merging(["model.l1": Tensor([Int32](repeating: 0, count: 4000), shape: [400, 10])]) { $1 } }),
    BadInput("checkpoint", "file cut to 100 bytes", "cannot read checkpoint $TMP/ckpt.safetensors: safetensors: header length 1056 runs past the end of the file (92 bytes follow it)", { folder in
      let url = folder.appendingPathComponent("ckpt.safetensors")
      try GlobalState.serialized { try MNISTTrainer(kind: .tiny, data: syntheticImages(), batchSize: 2).saveCheckpoint(to: url) }
      try checkpointFile(Array(try Data(contentsOf: url).prefix(100)))(folder)
    }),
    BadInput("checkpoint", "text file", "cannot read checkpoint $TMP/ckpt.safetensors: safetensors: header length 2338328219631577204 exceeds the 100000000-byte limit", checkpointFile(Array("this is not a checkpoint\n".utf8))),
  ]
  // swiftlint:enable line_length

  /// Every case, in table order.
  static let all = idx + gzip + safetensorsFraming + safetensorsTensors + checkpoint
}

/// Writes `cases` and the messages they produced as a markdown table.
private func markdownTable(_ rows: [(BadInput, String)]) -> String {
  func cell(_ text: String) -> String {
    text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
  }
  var lines = ["| area | input | message |", "| --- | --- | --- |"]
  lines += rows.map { "| \($0.0.area) | \(cell($0.0.input)) | `\(cell($0.1))` |" }
  return lines.joined(separator: "\n") + "\n\n\(rows.count) bad inputs.\n"
}

/// Every parser that reads outside data, fed every kind of bad input: each throws a typed error (the process
/// never traps) whose message is one line naming the file or field at fault, exactly as listed.
@Suite struct BadInputTests {
  @Test(arguments: BadInput.all)
  func throwsItsMessage(_ input: BadInput) throws {
    let message = try input.failure()
    #expect(message == input.message)
    if let message {
      #expect(!message.contains("\n") && message.count < 300, "one short line")
    }
  }

  @Test func everyCaseIsDistinct() {
    #expect(Set(BadInput.all.map(\.testDescription)).count == BadInput.all.count)
    #expect(BadInput.all.count >= 60)
  }

  /// `BAD_INPUT_TABLE=path swift test --filter BadInputTests` writes the table as markdown to `path`.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["BAD_INPUT_TABLE"] != nil, "set BAD_INPUT_TABLE=path"))
  func writesTheTable() throws {
    let path = try #require(ProcessInfo.processInfo.environment["BAD_INPUT_TABLE"])
    let rows = try BadInput.all.map { ($0, try $0.failure() ?? "(did not throw)") }
    try markdownTable(rows).write(toFile: path, atomically: true, encoding: .utf8)
    let written = try String(contentsOfFile: path, encoding: .utf8)
    #expect(written.split(separator: "\n").count == BadInput.all.count + 3)
  }
}
