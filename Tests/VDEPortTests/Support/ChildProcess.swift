import Foundation

@testable import Labs

/// A child process a test starts and must stop: the labs' ``Subprocess`` (SIGTERM, then SIGKILL after a bounded
/// wait, always reaped; spawned with an empty signal mask so that it obeys SIGTERM under a test runner).
typealias ChildProcess = Subprocess

/// Runs a command to completion (bounded) and returns its exit code (-1 when it did not exit normally in time)
/// and standard output.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], timeoutMilliseconds: Int = 5_000) throws -> (
    status: Int32, output: String
) {
    try Subprocess.run(executable, arguments, milliseconds: timeoutMilliseconds)
}

/// A fresh directory under /tmp, removed by `remove()`.
final class TemporaryDirectory {
    let path: String

    init(prefix: String = "nicsim-vde") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        path = String(cString: made)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Sleeps the test thread (wall clock).
func pause(milliseconds: Int) { usleep(useconds_t(milliseconds * 1_000)) }

/// Whether an executable exists at `path`.
func executableExists(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }
