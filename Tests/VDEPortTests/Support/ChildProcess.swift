import Foundation

/// A child process a test starts and must stop: SIGTERM, then SIGKILL after a bounded wait, always reaped.
///
/// Spawned with `posix_spawn` and an empty signal mask and default signal dispositions: the test runner's threads
/// block most signals, and a child inheriting that mask (as `Foundation.Process` children do) would ignore the
/// SIGTERM that is meant to stop it.
final class ChildProcess {
    let pid: pid_t
    /// The write end of the child's standard input; kept open so that programs with a console (vde_switch) keep
    /// running.
    private var inputWriter: Int32
    /// The read end of the child's standard output when captured, else -1.
    private var outputReader: Int32
    private(set) var exitStatus: Int32?

    init(_ executable: String, _ arguments: [String], captureOutput: Bool = false) throws {
        var input: [Int32] = [-1, -1]
        var output: [Int32] = [-1, -1]
        guard Self.makePipe(&input) else { throw POSIXError(.EMFILE) }
        if captureOutput, !Self.makePipe(&output) {
            Glibc.close(input[0])
            Glibc.close(input[1])
            throw POSIXError(.EMFILE)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        Glibc.close(input[0])
        if captureOutput { Glibc.close(output[1]) }
        guard result == 0 else {
            Glibc.close(input[1])
            if captureOutput { Glibc.close(output[0]) }
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .ENOENT)
        }
        pid = child
        inputWriter = input[1]
        outputReader = captureOutput ? output[0] : -1
    }

    deinit { stop() }

    /// A pipe whose ends are closed on exec (dup2 in the child clears the flag on the copies it makes).
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Whether the child has not exited yet (reaps it if it has).
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid || (reaped < 0 && errno == ECHILD) {
            exitStatus = status
            return false
        }
        return true
    }

    /// The exit code when the child exited normally, else nil.
    var exitCode: Int32? {
        guard let status = exitStatus, status & 0x7F == 0 else { return nil }
        return (status >> 8) & 0xFF
    }

    /// Stops the child (SIGTERM, then SIGKILL after two seconds) and reaps it; closes the pipes.
    func stop() {
        if isRunning {
            kill(pid, SIGTERM)
            if !waitForExit(milliseconds: 2_000) {
                kill(pid, SIGKILL)
                _ = waitForExit(milliseconds: 2_000)
            }
        }
        if inputWriter >= 0 { Glibc.close(inputWriter) }
        if outputReader >= 0 { Glibc.close(outputReader) }
        inputWriter = -1
        outputReader = -1
    }

    /// Polls until the child has exited; returns whether it did within the bound.
    func waitForExit(milliseconds: Int) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while isRunning {
            if ContinuousClock.now > deadline { return false }
            usleep(2_000)
        }
        return true
    }

    /// Reads one line of the captured output, waiting at most `milliseconds`; nil on timeout or end of file.
    func readLine(milliseconds: Int) -> String? {
        guard outputReader >= 0 else { return nil }
        var line: [UInt8] = []
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: outputReader, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 20)
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else { return nil }
            if descriptor.revents == 0 { continue }
            var byte: UInt8 = 0
            let n = read(outputReader, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
        return nil
    }
}

/// Runs a command to completion (bounded) and returns its exit code (-1 when it did not exit normally in time)
/// and standard output.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], timeoutMilliseconds: Int = 5_000) throws -> (
    status: Int32, output: String
) {
    let child = try ChildProcess(executable, arguments, captureOutput: true)
    var text = ""
    while let line = child.readLine(milliseconds: timeoutMilliseconds) { text += line + "\n" }
    let exited = child.waitForExit(milliseconds: timeoutMilliseconds)
    child.stop()
    return (exited ? child.exitCode ?? -1 : -1, text)
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
