#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Labs

/// One run of a sweep as a child process of `nicsim`: started with `posix_spawn`, its standard output and error
/// collected through non-blocking pipes, reaped when both are closed.
///
/// A child starts with default signal dispositions and an empty signal mask, so SIGTERM stops it (it then writes
/// the report of the run so far and exits 143) even when the parent blocks signals.
final class SweepChild {
    let pid: pid_t
    let run: Int
    let started: Double
    private(set) var stdout: [UInt8] = []
    private(set) var stderr: [UInt8] = []
    /// The pipes still open: standard output, then standard error (-1 once closed).
    private(set) var pipes: [Int32]
    /// The wait status once reaped.
    private(set) var status: Int32?
    /// Set when the sweep stopped the child (time-out or stop signal): what to record.
    var stoppedBecause: String?
    var sentTerminate: Double?

    /// Starts `executable` with `arguments`; throws the reason when it cannot start.
    init(run: Int, executable: String, arguments: [String]) throws(Failure) {
        self.run = run
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard pipe(&out) == 0 else { throw Failure(message: "pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&err) == 0 else {
            close(out[0])
            close(out[1])
            throw Failure(message: "pipe: \(String(cString: strerror(errno)))")
        }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        let spawned = spawnWithDefaultSignals(executable, arguments, actions: &actions)
        close(out[1])
        close(err[1])
        guard spawned.error == 0 else {
            close(out[0])
            close(err[0])
            throw Failure(message: "cannot start \(executable): \(String(cString: strerror(spawned.error)))")
        }
        for fd in [out[0], err[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        pid = spawned.pid
        pipes = [out[0], err[0]]
        started = RunProgress.wallSeconds()
    }

    deinit {
        for fd in pipes where fd >= 0 { close(fd) }
    }

    /// Reads what pipe `which` (0 standard output, 1 standard error) holds; closes it at end of file.
    func drain(_ which: Int) {
        let fd = pipes[which]
        guard fd >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                if which == 0 { stdout += buffer[0..<n] } else { stderr += buffer[0..<n] }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            close(fd)
            pipes[which] = -1
            return
        }
    }

    /// Reaps the child once both pipes are closed (it has exited or closed them); whether it has been reaped.
    func reap() -> Bool {
        if status != nil { return true }
        guard pipes.allSatisfy({ $0 < 0 }) else { return false }
        var s: Int32 = 0
        while true {
            let r = waitpid(pid, &s, 0)
            if r == pid { break }
            if r < 0 && errno == EINTR { continue }
            s = 0x7F00  // cannot happen (the child is ours); recorded as an unknown end
            break
        }
        status = s
        return true
    }

    /// Sends `signal` to the child if it has not been reaped.
    func send(_ signal: Int32) {
        if status == nil { kill(pid, signal) }
    }
}
