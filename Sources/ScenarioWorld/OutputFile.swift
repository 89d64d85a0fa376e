#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file an output of a run goes to (pcap, HTML, CSV, trace, report, and any output added later): written whole,
/// or the run is told which file failed and why, and a partial regular file is removed.
///
/// Every `write(2)` is checked (short writes are continued, `EINTR` retried) and so is `close(2)`, whose error
/// is the last chance a file system has to report that data did not reach it. The first error is kept in
/// ``failure``; later writes are dropped, so a caller may write on and ask once, at ``close()``. A file that
/// failed is removed when it is a regular file, so nothing is left that looks whole; a device (`/dev/full`), a pipe
/// or standard output cannot be removed, and the error says so.
///
/// `OutputFile` does no buffering of its own: callers that write small pieces (the pcap capture, the trace
/// writer) keep a buffer and hand it over in large pieces, and the write path allocates nothing.
public final class OutputFile {
    /// The path the output goes to, or `standard output` / `standard error`.
    public let path: String
    /// The file descriptor, or -1 once closed.
    private var descriptor: Int32
    /// Whether `close()` closes the descriptor (not for the process's standard output and error).
    private let ownsDescriptor: Bool
    /// Whether the path names a regular file, which is removed when the output fails.
    private let isRegularFile: Bool
    /// The first error, if any; nothing more is written after it.
    public private(set) var failure: OutputError?
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    /// Creates (or truncates) the file at `path` for writing.
    public init(path: String) throws(OutputError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError(path: path, operation: .open, errno: errno) }
        var status = stat()
        isRegularFile = fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        self.path = path
        descriptor = fd
        ownsDescriptor = true
    }

    private init(descriptor: Int32, name: String) {
        path = name
        self.descriptor = descriptor
        ownsDescriptor = false
        isRegularFile = false
    }

    /// The process's standard output (never closed or removed; ``close()`` only reports a failed write).
    public static func standardOutput() -> OutputFile { OutputFile(descriptor: 1, name: "standard output") }

    /// The process's standard error.
    public static func standardError() -> OutputFile { OutputFile(descriptor: 2, name: "standard error") }

    deinit {
        if ownsDescriptor && descriptor >= 0 { _ = systemClose(descriptor) }
    }

    /// Writes all of `bytes`, or records why it could not (then the output is lost: see ``failure``).
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, descriptor >= 0, var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = systemWrite(descriptor, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                failure = OutputError(path: path, operation: .write, errno: errno, after: bytesWritten)
                return
            }
            if n == 0 {
                failure = OutputError(path: path, operation: .write, errno: ENOSPC, after: bytesWritten)
                return
            }
            left -= n
            bytesWritten += n
            base += n
        }
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) { bytes.withUnsafeBytes { write($0) } }

    /// Writes `text` as UTF-8.
    public func write(_ text: String) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Ends the output: closes the file and throws the first error of any write or of the close itself, after
    /// removing a partial regular file. Closing twice does nothing more.
    public func close() throws(OutputError) {
        if descriptor >= 0 {
            // close(2) is where a file system that defers writing (NFS) reports a lost write; EINTR leaves the
            // descriptor closed on Linux and says nothing about the data.
            if ownsDescriptor && systemClose(descriptor) != 0 && failure == nil && errno != EINTR {
                failure = OutputError(path: path, operation: .close, errno: errno, after: bytesWritten)
            }
            descriptor = -1
            if var f = failure {
                f.removed = isRegularFile && unlink(path) == 0
                failure = f
            }
        }
        if let failure { throw failure }
    }

    /// Ends the output because the run could not produce it: closes and removes the file, whatever was written.
    public func discard() {
        guard descriptor >= 0 else { return }
        if ownsDescriptor { _ = systemClose(descriptor) }
        descriptor = -1
        if isRegularFile { _ = unlink(path) }
    }

    /// Writes `text` to a new file at `path` and closes it; on any failure the partial file is removed.
    public static func write(_ text: String, to path: String) throws(OutputError) {
        let file = try OutputFile(path: path)
        file.write(text)
        try file.close()
    }
}

// At file scope, where the names are the C library's and not OutputFile's methods.
private func systemWrite(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int { write(fd, base, count) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }

/// An output of a run could not be written whole: which file, which step, the system's error, and what became
/// of the partial file.
public struct OutputError: Error, CustomStringConvertible, Equatable {
    /// The step that failed.
    public enum Operation: String, Sendable {
        case open, write, close
    }

    /// The path, or `standard output`.
    public var path: String
    public var operation: Operation
    /// The `errno` value read right after the failed call.
    public var errno: Int32
    /// Bytes written before the failure.
    public var after: Int
    /// Whether the partial file was removed.
    public var removed = false

    public init(path: String, operation: Operation, errno: Int32, after: Int = 0) {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.after = after
    }

    /// `cannot write /tmp/x.pcap: No space left on device (after 8192 bytes; the partial file was removed)`.
    public var description: String {
        let reason = String(cString: strerror(errno))
        switch operation {
        case .open:
            return "cannot create \(path): \(reason)"
        case .write, .close:
            let fate = removed ? "the partial file was removed" : "the output is incomplete"
            return
                "cannot \(operation == .write ? "write" : "finish") \(path): \(reason) (after \(after) bytes; \(fate))"
        }
    }
}
