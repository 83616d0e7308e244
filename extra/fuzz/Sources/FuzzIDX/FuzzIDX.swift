import Teenygrad

/// The largest decompressed size the gzip path may produce per input (the MNIST training images are 47 MB).
private let decompressedLimit = 1 << 22

/// libFuzzer's entry point: parses `data` as an uncompressed IDX file and as a gzip-compressed one.
///
/// Every input must either parse into an array whose bytes match its shape or throw `DatasetError`; a trap,
/// an over-read (AddressSanitizer) or an allocation past libFuzzer's limit is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  check { () throws(DatasetError) in try IDXArray(parsing: bytes, file: "fuzz.idx") }
  check { () throws(DatasetError) in try IDXArray(gzipped: bytes, limit: decompressedLimit, file: "fuzz.idx.gz") }
  return 0
}

/// Checks what a successful parse returned: a shape with no zero dimension whose product is the byte count.
private func check(_ parse: () throws(DatasetError) -> IDXArray) {
  do {
    let array = try parse()
    precondition(!array.shape.isEmpty && !array.shape.contains(0), "parsed shape \(array.shape)")
    precondition(array.shape.reduce(1, *) == array.bytes.count, "\(array.bytes.count) bytes for \(array.shape)")
  } catch {
    precondition(!error.description.isEmpty && !error.description.contains("\n"), "message: \(error)")
  }
}
