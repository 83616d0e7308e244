import Foundation
import Testing

@testable import Teenygrad

/// An IDX file of shape [2, 3] holding 1...6, and the same bytes gzip-compressed.
private let smallIDX: [UInt8] = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]
private let smallIDXSHA256 = "99dfdf5208bf6a61c1b88e00d5f7a184fbca64ad4cd2e6f95c3a17f36216a25e"
private let smallIDXGzip: [UInt8] = [
  0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0xe0, 0x60, 0x62, 0x60, 0x60, 0x00,
  0x61, 0x66, 0x46, 0x26, 0x66, 0x16, 0x56, 0x36, 0x00, 0x48, 0x94, 0x3e, 0xe5, 0x12, 0x00, 0x00, 0x00,
]
/// Two gzip members holding "ab" and "cd".
private let gzipAB: [UInt8] = [
  0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b, 0x4c, 0x02, 0x00, 0x6d, 0x48, 0x83, 0x9e,
  0x02, 0x00, 0x00, 0x00,
]
private let gzipCD: [UInt8] = [
  0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b, 0x4e, 0x01, 0x00, 0xda, 0x8f, 0xd6, 0x45,
  0x02, 0x00, 0x00, 0x00,
]

private func parse(_ bytes: [UInt8]) throws(DatasetError) -> IDXArray {
  try IDXArray(parsing: bytes, file: "test.idx")
}

private func expectParsing(
  _ bytes: [UInt8], throws expected: DatasetError, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(throws: expected, sourceLocation: sourceLocation) { try parse(bytes) }
}

private func temporaryFolder() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("teenygrad-data-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

@Suite struct GzipTests {
  @Test func decompressesAStream() throws {
    #expect(try Gzip.decompress(smallIDXGzip, limit: 100, file: "x.gz") == smallIDX)
  }

  @Test func joinsConcatenatedMembers() throws {
    #expect(try Gzip.decompress(gzipAB + gzipCD, limit: 100, file: "x.gz") == Array("abcd".utf8))
  }

  @Test func stopsAtTheOutputLimit() {
    #expect(throws: DatasetError.decompressedTooLarge(file: "x.gz", limit: 17)) {
      try Gzip.decompress(smallIDXGzip, limit: 17, file: "x.gz")
    }
    #expect(throws: Never.self) { try Gzip.decompress(smallIDXGzip, limit: 18, file: "x.gz") }
  }

  @Test(arguments: [0, 1, 10, 20, 34])
  func reportsAStreamCutShort(length: Int) {
    #expect(throws: DatasetError.gzipEndedEarly(file: "x.gz")) {
      try Gzip.decompress(Array(smallIDXGzip.prefix(length)), limit: 100, file: "x.gz")
    }
  }

  @Test func reportsCorruptStreams() {
    var badHeader = smallIDXGzip
    badHeader[0] = 0x1e
    var badCRC = smallIDXGzip
    badCRC[28] ^= 0xff
    var badBlockType = smallIDXGzip
    badBlockType[10] = 0xff
    for bytes in [badHeader, badCRC, badBlockType, smallIDXGzip + [0x00, 0x01, 0x02]] {
      #expect {
        try Gzip.decompress(bytes, limit: 100, file: "x.gz")
      } throws: { error in
        guard case let .corruptGzip(file, _) = error as? DatasetError else { return false }
        return file == "x.gz" && "\(error)".hasPrefix("x.gz: corrupt gzip")
      }
    }
  }
}

@Suite struct IDXTests {
  @Test func parsesUnsignedBytes() throws {
    #expect(try parse(smallIDX) == IDXArray(shape: [2, 3], bytes: [1, 2, 3, 4, 5, 6]))
  }

  @Test func parsesGzipAndVerifiesChecksum() throws {
    let array = try IDXArray(gzipped: smallIDXGzip, limit: 100, sha256: smallIDXSHA256, file: "x.gz")
    #expect(array.shape == [2, 3])
    let wrong = String(repeating: "0", count: 64)
    #expect(throws: DatasetError.checksumMismatch(file: "x.gz", expected: wrong, actual: smallIDXSHA256)) {
      try IDXArray(gzipped: smallIDXGzip, limit: 100, sha256: wrong, file: "x.gz")
    }
  }

  @Test func rejectsBadMagic() {
    expectParsing([1, 0, 8, 1, 0, 0, 0, 1, 7], throws: .badMagic(file: "test.idx", bytes: [1, 0, 8, 1]))
    expectParsing([0, 0], throws: .badMagic(file: "test.idx", bytes: [0, 0]))
    #expect("\(DatasetError.badMagic(file: "a.idx", bytes: [0x1f, 0x8b]))"
            == "a.idx: not an IDX file (header starts with [1f 8b], expected 00 00 <type> <ndim>)")
  }

  @Test func rejectsOtherElementTypes() {
    expectParsing([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], throws: .unsupportedIDXType(file: "test.idx", code: 0x0D))
    #expect("\(DatasetError.unsupportedIDXType(file: "a", code: 0x0D))".contains("32-bit float"))
    #expect("\(DatasetError.unsupportedIDXType(file: "a", code: 0x07))".contains("0x07 is not an IDX element type"))
  }

  @Test func rejectsZeroDimensions() {
    expectParsing([0, 0, 8, 0], throws: .zeroDimension(file: "test.idx", dimensions: []))
    expectParsing([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 0], throws: .zeroDimension(file: "test.idx", dimensions: [2, 0]))
  }

  @Test func rejectsOverflowingElementCounts() {
    let huge: [UInt8] = [0xff, 0xff, 0xff, 0xff]
    let header: [UInt8] = [0, 0, 8, 3] + huge + huge + huge
    let size = 0xffff_ffff
    expectParsing(header, throws: .elementCountOverflow(file: "test.idx", dimensions: [size, size, size]))
  }

  @Test func rejectsTruncatedFiles() {
    expectParsing(Array(smallIDX.prefix(10)), throws: .truncatedHeader(file: "test.idx", expected: 12, actual: 10))
    expectParsing(smallIDX.dropLast(), throws: .truncatedPayload(file: "test.idx", expected: 6, actual: 5))
    // A header claiming four billion elements over a few bytes must fail without allocating them.
    expectParsing([0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff, 9],
                  throws: .truncatedPayload(file: "test.idx", expected: 0xffff_ffff, actual: 1))
  }

  @Test func rejectsTrailingBytes() {
    expectParsing(smallIDX + [0], throws: .trailingBytes(file: "test.idx", expected: 6, actual: 7))
  }

  @Test func reportsMissingFilesByName() {
    #expect {
      try IDXArray(gzipFile: "/nonexistent/train-images-idx3-ubyte.gz", limit: 10)
    } throws: { error in
      "\(error)".hasPrefix("/nonexistent/train-images-idx3-ubyte.gz: cannot be read")
    }
  }
}

@Suite struct SHA256Tests {
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
  ])
  func matchesKnownVectors(message: String, digest: String) {
    // The SHA extensions where this CPU has them, and the portable rounds.
    for usesHardware in [true, false] {
      #expect(SHA256.hex(of: Array(message.utf8), usesHardware: usesHardware) == digest, "hardware \(usesHardware)")
    }
  }

  @Test func streamingMatchesOneShot() {
    let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    for usesHardware in [true, false] {
      for pieceSize in [1, 7, 63, 64, 65, 200] {
        var hasher = SHA256(usesHardware: usesHardware)
        for start in stride(from: 0, to: message.count, by: pieceSize) {
          hasher.update(message[start..<min(start + pieceSize, message.count)])
        }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        #expect(hex == SHA256.hex(of: message), "pieces of \(pieceSize), hardware \(usesHardware)")
      }
    }
  }

  @Test func hardwareAndPortableRoundsAgreeOnEveryPaddingCase() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    let bytes = (0..<9_000).map { _ -> UInt8 in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 56)
    }
    // Every length up to three blocks (each padding case), then lengths spanning many blocks.
    for count in Array(0...192) + [1_000, 4_095, 4_096, 8_999] {
      let message = Array(bytes.prefix(count))
      #expect(SHA256.hex(of: message, usesHardware: true) == SHA256.hex(of: message, usesHardware: false),
              "\(count) bytes")
    }
  }
}

@Suite(.enabled(if: EnvironmentFlags.mnistDir != nil, "set MNIST_DIR to a folder with the four MNIST files"))
struct MNISTTests {
  @Test func loadsTheStandardFiles() throws {
    let mnist = try MNIST(download: false)
    #expect(mnist.trainImages.count == 60000 * 784 && mnist.testImages.count == 10000 * 784)
    #expect(mnist.count(.train) == 60000 && mnist.count(.test) == 10000)
    #expect(mnist.trainLabels.allSatisfy { $0 < 10 } && mnist.testLabels.allSatisfy { $0 < 10 })
    #expect(Set(mnist.trainLabels).count == 10)
    // The first digits of each split, as every MNIST viewer shows them.
    #expect(Array(mnist.trainLabels.prefix(3)) == [5, 0, 4] && Array(mnist.testLabels.prefix(3)) == [7, 2, 1])
    #expect(mnist.testLabels.filter { $0 == 1 }.count == 1135)

    let (pixels, labels) = mnist.batch(.test, indices: [2, 0])
    #expect(labels == [1, 7] && pixels.count == 2 * 784)
    #expect(pixels.allSatisfy { (0...1).contains($0) } && pixels.contains(1))
    #expect(Array(pixels[784..<1568]) == MNIST.scaled(mnist.testImages.prefix(784)))
    #expect(mnist.pixels(.test).count == 10000 * 784)
  }

  @Test func theEmbeddedChecksumsMatchTheFiles() throws {
    let folder = MNIST.resolveDirectory()
    // SHA256SUMS.idx, where the folder has it, is `sha256sum` run over the decompressed files.
    if let sums = try? String(contentsOf: folder.appendingPathComponent("SHA256SUMS.idx"), encoding: .utf8) {
      for file in MNIST.files {
        #expect(sums.contains("\(file.sha256)  \(file.name.dropLast(3))"), "\(file.name)")
      }
    }
    // Loading verifies all four files; hash the test split here too, outside the loader.
    for file in MNIST.files[2...] {
      let compressed = try readDatasetFile(folder.appendingPathComponent(file.name).path)
      let bytes = try Gzip.decompress(compressed, limit: file.byteCount, file: file.name)
      #expect(bytes.count == file.byteCount)
      #expect(SHA256.hex(of: bytes) == file.sha256, "\(file.name)")
    }
  }

  @Test func downloadsFromAMirrorAndVerifies() throws {
    let destination = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: destination) }
    let source = MNIST.resolveDirectory().absoluteString
    let labels = MNIST.files[3]
    try MNISTDownloader(mirrors: ["file:///nonexistent/", source]).fetchMissing([labels], into: destination)
    let written = try FileManager.default.contentsOfDirectory(atPath: destination.path)
    #expect(written == [labels.name])
    #expect(try IDXArray(gzipFile: destination.appendingPathComponent(labels.name).path, limit: labels.byteCount,
                         sha256: labels.sha256).shape == [10000])
  }
}

@Suite struct MNISTFolderTests {
  @Test func anExplicitFolderWins() {
    #expect(MNIST.resolveDirectory("/data/mnist").path == "/data/mnist")
  }

  @Test func aMissingFileIsNamedWhenNotDownloading() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect {
      try MNIST(directory: folder.path, download: false)
    } throws: { error in
      "\(error)".contains("train-images-idx3-ubyte.gz: cannot be read")
    }
  }

  @Test func anOfflineDownloadSaysWhereToPutTheFiles() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect {
      try MNISTDownloader(mirrors: ["file:///nonexistent/"]).fetchMissing(MNIST.files, into: folder)
    } throws: { error in
      let message = "\(error)"
      return message.contains("train-images-idx3-ubyte.gz is missing from \(folder.path)")
        && message.contains("MNIST_DIR") && message.contains("--data")
    }
  }

  @Test func aMirrorServingWrongBytesLeavesNothingBehind() throws {
    let mirror = try temporaryFolder()
    let destination = try temporaryFolder()
    defer {
      try? FileManager.default.removeItem(at: mirror)
      try? FileManager.default.removeItem(at: destination)
    }
    let labels = MNIST.files[3]
    try Data(smallIDXGzip).write(to: mirror.appendingPathComponent(labels.name))
    #expect {
      try MNISTDownloader(mirrors: [mirror.absoluteString]).fetch(labels, into: destination)
    } throws: { error in
      "\(error)".contains("SHA-256 of the decompressed bytes is \(smallIDXSHA256)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path).isEmpty)
  }
}
