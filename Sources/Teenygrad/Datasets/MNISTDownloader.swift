import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fetches missing MNIST files from public mirrors with `curl`, verifying each before it appears on disk.
///
/// A file is downloaded under a temporary name in the destination folder, decompressed and checked
/// against the SHA-256 of its IDX bytes, and only then renamed into place, so an interrupted or bad
/// download never leaves a file that looks complete.
struct MNISTDownloader {
  /// Base URLs tried in order; the file name is appended to each.
  static let publicMirrors = [
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
  ]

  var mirrors = publicMirrors
  /// Longest time one transfer may take.
  var timeoutSeconds = 300

  /// Downloads each of `files` that `folder` lacks, creating the folder if needed.
  func fetchMissing(_ files: [MNISTFile], into folder: URL) throws(DatasetError) {
    for file in files where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(file.name).path) {
      try fetch(file, into: folder)
    }
  }

  /// Downloads `file` into `folder` from the first mirror that serves bytes with the right checksum.
  func fetch(_ file: MNISTFile, into folder: URL) throws(DatasetError) {
    let destination = folder.appendingPathComponent(file.name)
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw .downloadFailed(file: file.name, directory: folder.path,
                            attempts: ["cannot create the folder: \(error.localizedDescription)"])
    }
    let partial = folder.appendingPathComponent(".\(file.name).\(getpid()).partial")
    defer { try? FileManager.default.removeItem(at: partial) }

    var attempts: [String] = []
    for mirror in mirrors {
      let url = mirror.hasSuffix("/") ? mirror + file.name : mirror + "/" + file.name
      do {
        try download(url, to: partial)
        let bytes = try readDatasetFile(partial.path)
        _ = try IDXArray(gzipped: bytes, limit: file.byteCount, sha256: file.sha256, file: url)
        guard rename(partial.path, destination.path) == 0 else {
          throw AttemptError("cannot move it into place: \(String(cString: strerror(errno)))")
        }
        return
      } catch let error as DatasetError {
        attempts.append(error.description)
      } catch {
        attempts.append("\(url): \(error)")
      }
    }
    throw .downloadFailed(file: file.name, directory: folder.path, attempts: attempts)
  }

  /// Runs `curl` to copy `url` into `destination`.
  private func download(_ url: String, to destination: URL) throws {
    FileHandle.standardError.write(Data("fetching \(url)\n".utf8))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "curl", "--fail", "--silent", "--show-error", "--location",
      "--connect-timeout", "20", "--max-time", String(timeoutSeconds),
      "--output", destination.path, url,
    ]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw AttemptError("cannot run curl: \(error.localizedDescription)")
    }
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    switch process.terminationStatus {
    case 0: return
    case 127: throw AttemptError("curl is not installed")
    default:
      let detail = message.trimmingCharacters(in: .whitespacesAndNewlines)
      throw AttemptError(detail.isEmpty ? "curl exited with status \(process.terminationStatus)" : detail)
    }
  }

  private struct AttemptError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }
}
