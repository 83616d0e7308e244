import CZlib

/// Gzip decompression through zlib, streaming into a buffer that never grows past a caller-given cap.
enum Gzip {
  /// Bytes produced per `inflate` call; the output grows by at most this much beyond what was kept.
  private static let chunkSize = 1 << 18

  /// Returns the decompressed contents of the gzip stream `compressed` (concatenated members are joined).
  ///
  /// - Parameters:
  ///   - limit: the most bytes the output may hold; a stream that would produce more stops with
  ///     `DatasetError.decompressedTooLarge` before the memory is allocated.
  ///   - file: the name used in error messages.
  static func decompress(_ compressed: [UInt8], limit requested: Int, file: String) throws(DatasetError) -> [UInt8] {
    let limit = max(requested, 0)
    var stream = z_stream()
    // 16 + MAX_WBITS asks zlib for a gzip wrapper (header and CRC-32 trailer) rather than a zlib one.
    let initStatus = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard initStatus == Z_OK else {
      throw .corruptGzip(file: file, reason: "zlib could not start (status \(initStatus))")
    }
    defer { inflateEnd(&stream) }

    var output: [UInt8] = []
    output.reserveCapacity(min(limit, max(compressed.count, 1) * 4))
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    var consumed = 0
    var memberEnded = false

    while true {
      if memberEnded {
        // Another gzip member may follow; anything else after a complete member is not gzip data.
        guard consumed < compressed.count else { return output }
        guard compressed.count - consumed >= 2, compressed[consumed] == 0x1f, compressed[consumed + 1] == 0x8b else {
          throw .corruptGzip(file: file, reason: "\(compressed.count - consumed) bytes of garbage after the gzip data")
        }
        inflateReset(&stream)
        memberEnded = false
      }
      let inputCount = min(compressed.count - consumed, Int(UInt32.max))
      let consumedBefore = consumed
      let status = compressed.withUnsafeBufferPointer { input in
        chunk.withUnsafeMutableBufferPointer { out in
          stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
          stream.avail_in = UInt32(inputCount)
          stream.next_out = out.baseAddress
          stream.avail_out = UInt32(out.count)
          return inflate(&stream, Z_NO_FLUSH)
        }
      }
      consumed += inputCount - Int(stream.avail_in)
      let produced = chunkSize - Int(stream.avail_out)
      guard output.count <= limit - produced else { throw .decompressedTooLarge(file: file, limit: limit) }
      output.append(contentsOf: chunk[0..<produced])

      switch status {
      case Z_STREAM_END:
        memberEnded = true
      case Z_OK:
        continue
      case Z_BUF_ERROR where produced > 0 || consumed > consumedBefore:
        continue
      case Z_BUF_ERROR:
        // No progress with room to write: zlib wants input that the file does not have.
        throw .gzipEndedEarly(file: file)
      default:
        let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
        throw .corruptGzip(file: file, reason: message)
      }
    }
  }
}
