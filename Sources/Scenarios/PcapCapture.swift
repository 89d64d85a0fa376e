import class Foundation.FileHandle
import class Foundation.FileManager
import SimCore
import WireFormats

/// Writes every frame the NIC puts on the wire into a pcap stream, stamped with its first bit's virtual time: kept
/// in memory, or written to a file in 1 MiB pieces while the run goes (the buffer is reused, so a long capture
/// neither grows memory nor allocates per frame).
final class PcapCapture: FrameObserver {
    var writer = PcapWriter()
    /// The file the capture goes to, or nil for memory.
    let file: FileHandle?
    let path: String?
    /// The first write that failed; later frames are dropped from the file.
    private(set) var failure: String?
    static let flushBytes = 1 << 20

    /// A capture into memory (`file` nil) or into a new file at `file`, replacing any there.
    init(file path: String?) throws(ScenarioError) {
        self.path = path
        guard let path else {
            self.file = nil
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path)
        else {
            throw ScenarioError(file: path, line: 0, column: 0, message: "cannot write pcap file \(path)")
        }
        self.file = handle
    }

    deinit {
        flush()
        try? file?.close()
    }

    func observe(_ frame: FrameHandle, at time: SimTime, simulator: Simulator) {
        let frames = simulator.frames
        writer.append(frames.bytes, from: frames.offset(of: frame), count: frames.length(of: frame),
                      timestampNanoseconds: time.nanoseconds)
        if file != nil && writer.bytes.count >= Self.flushBytes { flush() }
    }

    /// Writes what the file has not got yet (nothing for a capture into memory).
    func flush() {
        guard let file, !writer.bytes.isEmpty else { return }
        if failure == nil {
            do {
                try writer.bytes.withUnsafeBytes { try file.write(contentsOf: $0) }
            } catch {
                failure = "cannot write pcap file \(path ?? ""): \(error)"
            }
        }
        writer.discardBytes()
    }
}
