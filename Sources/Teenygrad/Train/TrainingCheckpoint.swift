import Foundation

/// Why a training checkpoint could not be written, read or restored.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
  /// There is no file at the path.
  case missing(path: String)
  /// The file exists but is not a readable safetensors file.
  case unreadable(path: String, reason: String)
  /// The file holds another model than the one being trained.
  case modelMismatch(path: String, expected: String, found: String)
  /// The file lacks an entry, or an entry has the wrong dtype or shape.
  case malformed(path: String, reason: String)
  /// The file could not be written.
  case writeFailed(path: String, reason: String)

  /// A one-line explanation naming the file.
  public var description: String {
    switch self {
    case let .missing(path): return "no checkpoint at \(path)"
    case let .unreadable(path, reason): return "cannot read checkpoint \(path): \(reason)"
    case let .modelMismatch(path, expected, found):
      return "checkpoint \(path) holds a '\(found)' model, not '\(expected)'"
    case let .malformed(path, reason): return "checkpoint \(path) is not a training checkpoint: \(reason)"
    case let .writeFailed(path, reason): return "cannot write checkpoint \(path): \(reason)"
    }
  }
}

/// The names of a checkpoint's entries. Model tensors are `model.<name>` and optimizer tensors
/// `optimizer.<name>`, with the names of `Module.state` and `Optimizer.state`.
enum CheckpointKey {
  static let modelPrefix = "model."
  static let optimizerPrefix = "optimizer."
  /// The model kind's raw value as UTF-8 bytes (uint8).
  static let modelKind = "train.model_kind"
  /// The number of completed steps (int32, one element).
  static let step = "train.step"
  /// The generator's four state words as 32 little-endian bytes (uint8).
  static let random = "train.random_state"
}

extension MNISTTrainer {
  /// Every tensor needed to resume training, by name: the model's state, the optimizer's state (moments, step
  /// count, learning rate), the number of completed steps, the library generator's state and the model kind.
  ///
  /// ``saveCheckpoint(to:)`` writes this; ``restoreCheckpoint(_:path:)`` reads it back.
  public var checkpointState: [String: Tensor] {
    var state: [String: Tensor] = [:]
    for (name, tensor) in model.state { state[CheckpointKey.modelPrefix + name] = tensor }
    for (name, tensor) in optimizer.state { state[CheckpointKey.optimizerPrefix + name] = tensor }
    state[CheckpointKey.modelKind] = Self.byteTensor(Array(kind.rawValue.utf8))
    state[CheckpointKey.step] = Tensor([Int32(completedSteps)])
    let words = Tensor.randomState
    state[CheckpointKey.random] = Self.byteTensor(words.flatMap { word in
      (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) }
    })
    return state
  }

  /// Writes ``checkpointState`` to `url` as one safetensors file, atomically (see `safeSave`).
  ///
  /// - Throws: ``CheckpointError/writeFailed(path:reason:)``.
  public func saveCheckpoint(to url: URL) throws(CheckpointError) {
    do {
      try safeSave(checkpointState, to: url)
    } catch StateError.writeFailed(_, let reason) {
      throw .writeFailed(path: url.path, reason: reason)
    } catch {
      throw .writeFailed(path: url.path, reason: "\(error)")
    }
  }

  /// Reads the checkpoint at `url` and restores it (see ``restoreCheckpoint(_:path:)``).
  ///
  /// - Throws: ``CheckpointError`` when the file is missing, unreadable, or not a checkpoint of this model.
  public func loadCheckpoint(from url: URL) throws(CheckpointError) {
    guard FileManager.default.fileExists(atPath: url.path) else { throw .missing(path: url.path) }
    let tensors: [String: Tensor]
    do {
      tensors = try safeLoad(from: url)
    } catch {
      throw .unreadable(path: url.path, reason: "\(error)")
    }
    try restoreCheckpoint(tensors, path: url.path)
  }

  /// Restores the model, the optimizer, the step count and the library generator from `tensors`, which
  /// ``checkpointState`` produced, so training continues exactly where it stopped.
  ///
  /// Everything is checked before anything changes. `path` only names the source in errors.
  /// - Throws: ``CheckpointError/modelMismatch(path:expected:found:)`` for another model's checkpoint,
  ///   ``CheckpointError/malformed(path:reason:)`` when an entry is missing or has the wrong dtype or shape.
  public func restoreCheckpoint(_ tensors: [String: Tensor], path: String = "checkpoint") throws(CheckpointError) {
    func malformed(_ reason: String) -> CheckpointError { .malformed(path: path, reason: reason) }
    func bytes(_ name: String, dtype: DType, count: Int?) throws(CheckpointError) -> [UInt8] {
      guard let tensor = tensors[name] else { throw malformed("no entry '\(name)'") }
      guard tensor.dtype == dtype, tensor.ndim == 1, count.map({ tensor.numel == $0 }) ?? true else {
        throw malformed("'\(name)' is \(tensor.dtype) \(tensor.shape)")
      }
      return tensor.rawBytes()
    }
    let kindBytes = try bytes(CheckpointKey.modelKind, dtype: .uint8, count: nil)
    let found = String(decoding: kindBytes, as: UTF8.self)
    guard found == kind.rawValue else {
      throw .modelMismatch(path: path, expected: kind.rawValue, found: found)
    }
    let stepBytes = try bytes(CheckpointKey.step, dtype: .int32, count: 1)
    let step = Int(Int32(truncatingIfNeeded: Self.littleEndianWord(stepBytes[0..<4])))
    guard step >= 0 else { throw malformed("negative step count \(step)") }
    let randomBytes = try bytes(CheckpointKey.random, dtype: .uint8, count: 32)
    let words = stride(from: 0, to: 32, by: 8).map { Self.littleEndianWord(randomBytes[$0..<$0 + 8]) }

    var targets: [String: Tensor] = [:]
    for (name, tensor) in model.state { targets[CheckpointKey.modelPrefix + name] = tensor }
    for (name, tensor) in optimizer.state { targets[CheckpointKey.optimizerPrefix + name] = tensor }
    for (name, target) in targets {
      guard let source = tensors[name] else { throw malformed("no entry '\(name)'") }
      guard source.dtype == target.dtype else {
        throw malformed("'\(name)' is \(source.dtype), expected \(target.dtype)")
      }
    }
    do {
      try assignState(tensors, into: targets)
    } catch {
      throw malformed("\(error)")
    }
    completedSteps = step
    Tensor.randomState = words
  }

  private static func byteTensor(_ bytes: [UInt8]) -> Tensor {
    Tensor(rawBytes: bytes, dtype: .uint8, shape: [bytes.count])
  }

  private static func littleEndianWord(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }
}
