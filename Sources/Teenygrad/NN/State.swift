import Foundation

/// Why saving, loading or restoring named tensors failed.
public enum StateError: Error, Equatable, CustomStringConvertible {
  /// A tensor the receiver needs has no entry of that name.
  case missingTensor(String)
  /// An entry's shape differs from the receiver's tensor of that name.
  case shapeMismatch(name: String, expected: [Int], found: [Int])
  /// The file could not be written.
  case writeFailed(path: String, reason: String)

  public var description: String {
    switch self {
    case .missingTensor(let name): return "no tensor named \"\(name)\""
    case let .shapeMismatch(name, expected, found): return "\"\(name)\" has shape \(found), expected \(expected)"
    case let .writeFailed(path, reason): return "cannot write \(path): \(reason)"
    }
  }
}

/// Writes `tensors` to `url` in the safetensors format (teenygrad's `safe_save`).
///
/// The tensors are realized together and written atomically: the bytes go to a temporary file in the same
/// folder, which is flushed to disk and then renamed over `url`, so a reader sees the old file or the new one,
/// never a part.
public func safeSave(_ tensors: [String: Tensor], to url: URL) throws {
  Tensor.realizeAll(Array(tensors.values))
  let entries = tensors.mapValues { SafetensorsEntry(dtype: $0.dtype, shape: $0.shape, bytes: $0.rawBytes()) }
  try writeAtomically(try Safetensors.encode(entries), to: url)
}

/// Reads the tensors of a safetensors file (teenygrad's `safe_load`).
///
/// - Throws: ``SafetensorsError``: ``SafetensorsError/unreadable(path:reason:)`` when the file cannot be read,
///   or any error of ``safeLoad(bytes:)``.
public func safeLoad(from url: URL) throws -> [String: Tensor] {
  try safeLoad(bytes: try readSafetensorsFile(url.path))
}

/// Returns the tensors of the safetensors file whose contents are `bytes`.
///
/// Nothing the header claims is trusted: the header length is checked against the bytes present, every
/// tensor's dtype, shape and byte range are checked against each other and against the data section (which
/// the ranges must tile exactly) before any tensor is made.
/// - Throws: ``SafetensorsError`` naming the header field or tensor at fault.
public func safeLoad(bytes: [UInt8]) throws(SafetensorsError) -> [String: Tensor] {
  let (entries, _) = try Safetensors.decode(bytes)
  return entries.mapValues { Tensor(rawBytes: $0.bytes, dtype: $0.dtype, shape: $0.shape) }
}

/// Returns the contents of the regular file at `path`.
private func readSafetensorsFile(_ path: String) throws(SafetensorsError) -> [UInt8] {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
    throw .unreadable(path: path, reason: "no such file")
  }
  guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a folder") }
  do {
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
  } catch {
    throw .unreadable(path: path, reason: error.localizedDescription)
  }
}

/// Assigns `state` to the module's tensors of the same names and realizes them (teenygrad's `load_state_dict`).
///
/// With `strict`, every tensor of the module must have an entry; without it, missing entries are skipped.
/// Entries the module does not have are ignored. An entry of another dtype is cast to the module's.
/// - Throws: ``StateError`` before changing anything when a name is missing or a shape differs.
public func loadStateDict(_ module: any Module, _ state: [String: Tensor], strict: Bool = true) throws {
  try assignState(state, into: module.state, strict: strict)
}

/// Assigns each `source` tensor to the `target` tensor of the same name, then realizes the targets together.
/// Validates every name and shape first, so a failure leaves the targets untouched.
func assignState(_ source: [String: Tensor], into target: [String: Tensor], strict: Bool = true) throws {
  var pairs: [(target: Tensor, source: Tensor)] = []
  for name in target.keys.sorted() {
    let destination = target[name]!
    guard let value = source[name] else {
      if strict { throw StateError.missingTensor(name) }
      continue
    }
    guard value.shape == destination.shape else {
      throw StateError.shapeMismatch(name: name, expected: destination.shape, found: value.shape)
    }
    pairs.append((destination, value))
  }
  for (destination, value) in pairs {
    destination.assign(value.dtype == destination.dtype ? value.detach() : value.cast(destination.dtype).detach())
  }
  Tensor.realizeAll(pairs.map(\.target))
}

/// Writes `bytes` to a temporary file beside `url`, flushes it to disk, renames it over `url`, and flushes the
/// folder so the rename itself survives a crash.
private func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
  let folder = url.deletingLastPathComponent()
  let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
  func failure(_ reason: String) -> StateError { .writeFailed(path: url.path, reason: reason) }
  guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
    throw failure("cannot create \(temporary.path)")
  }
  do {
    let handle = try FileHandle(forWritingTo: temporary)
    defer { try? handle.close() }
    try handle.write(contentsOf: bytes)
    try handle.synchronize()
  } catch {
    try? FileManager.default.removeItem(at: temporary)
    throw failure("\(error)")
  }
  guard rename(temporary.path, url.path) == 0 else {
    let reason = String(cString: strerror(errno))
    try? FileManager.default.removeItem(at: temporary)
    throw failure(reason)
  }
  if let folderHandle = try? FileHandle(forReadingFrom: folder) {
    try? folderHandle.synchronize()
    try? folderHandle.close()
  }
}
