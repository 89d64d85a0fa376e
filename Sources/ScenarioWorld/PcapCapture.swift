import ScenarioFormat
import SimCore
import WireFormats

/// Writes every frame the NIC puts on the wire into a pcap stream, stamped with its first bit's virtual time: kept
/// in memory, or written to a file in 1 MiB pieces while the run goes (the buffer is reused, so a long capture
/// neither grows memory nor allocates per frame).
final class PcapCapture: FrameObserver {
    var writer = PcapWriter()
    /// The file the capture goes to, or nil for memory.
    let file: OutputFile?
    static let flushBytes = 1 << 20

    /// A capture into memory (`file` nil) or into a new file at `path`, replacing any there.
    init(file path: String?) throws(OutputError) {
        self.file = try path.map { path throws(OutputError) in try OutputFile(path: path) }
    }

    /// A capture into `output`, which the caller opened.
    init(output: OutputFile) {
        self.file = output
    }

    /// The first write to the file that failed; later frames are dropped from it.
    var failure: OutputError? { file?.failure }

    func observe(_ frame: FrameHandle, at time: SimTime, simulator: Simulator) {
        let frames = simulator.frames
        writer.append(frames.bytes, from: frames.offset(of: frame), count: frames.length(of: frame),
                      timestampNanoseconds: time.nanoseconds)
        if file != nil && writer.bytes.count >= Self.flushBytes { flush() }
    }

    /// Writes what the file has not got yet (nothing for a capture into memory).
    func flush() {
        guard let file, !writer.bytes.isEmpty else { return }
        writer.bytes.withUnsafeBytes { file.write($0) }
        writer.discardBytes()
    }

    /// Writes the rest and closes the file: throws when any of the capture did not reach it (and then the
    /// partial file is gone).
    func finish() throws(OutputError) {
        flush()
        try file?.close()
    }
}
