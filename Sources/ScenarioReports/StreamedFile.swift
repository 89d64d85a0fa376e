#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScenarioFormat
import ScenarioWorld

/// An output file written in pieces while a run goes (Perfetto traces, pcapng captures): opened with `open(2)`
/// (never replaced through a temporary file, so a path such as `/dev/full` stays what it is), written with
/// `write(2)` retried on EINTR and short writes. The first failure is kept with its errno text; later writes are
/// dropped, so a full disk ends in one clear message instead of a half-written file passed off as whole.
final class StreamedFile {
    let path: String
    private var descriptor: Int32
    /// Why writing failed, naming the file and the OS's reason; nil while all is well.
    private(set) var failure: String?
    /// True once ``finish()`` closed the file.
    var isFinished: Bool { descriptor < 0 }
    /// Bytes written so far.
    private(set) var bytesWritten = 0

    /// Creates or truncates the file at `path`; throws, naming the file and the reason, when it cannot be opened.
    init(path: String) throws(ScenarioError) {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ScenarioError(file: path, line: 0, column: 0, message: "cannot write \(path): \(reason)")
        }
        descriptor = fd
    }

    deinit { finish() }

    /// Writes all of `bytes`, or notes the failure.
    func append(_ bytes: [UInt8]) {
        guard failure == nil, descriptor >= 0, !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var done = 0
            while done < raw.count {
                let n = write(descriptor, base + done, raw.count - done)
                if n < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    failure = "cannot write \(path): \(String(cString: strerror(code)))"
                    return
                }
                if n == 0 {
                    failure = "cannot write \(path): the file took no bytes"
                    return
                }
                done += n
            }
            bytesWritten += done
        }
    }

    /// Closes the file; a failing close (for example a deferred write error on a network file system) counts as
    /// a write failure.
    func finish() {
        guard descriptor >= 0 else { return }
        if close(descriptor) != 0 && failure == nil {
            failure = "cannot write \(path): \(String(cString: strerror(errno)))"
        }
        descriptor = -1
    }
}
