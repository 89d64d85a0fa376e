import Foundation

/// A vde_switch of the test's own, in a fresh temporary directory, run as a child process while a test's body
/// runs (``withVDESwitch(writesPidFile:_:)``). Its console reads the child's standard input, which stays open.
final class VDESwitchProcess: Sendable {
    static let executable = "/usr/bin/vde_switch"

    let directory: TemporaryDirectory
    let child: ChildProcess
    /// The switch's control directory.
    let socketPath: String
    /// `vde://` + the control directory.
    var url: String { "vde://" + socketPath }

    /// The file the switch writes its process id to (`-p`), when asked for one.
    let pidFile: String?

    fileprivate init(directory: TemporaryDirectory, child: ChildProcess, socketPath: String, pidFile: String?) {
        self.directory = directory
        self.child = child
        self.socketPath = socketPath
        self.pidFile = pidFile
    }

    /// Kills the switch without letting it clean up, as a crash would (the directory stays until the body ends).
    func crash() { child.crash() }

    struct SwitchDidNotStart: Error {}
}

/// Starts a vde_switch, waits until it listens, runs `body` with it, then stops it (SIGTERM, bounded) and removes
/// its directory, also when `body` throws.
func withVDESwitch<Result: Sendable>(
    writesPidFile: Bool = false, _ body: (VDESwitchProcess) async throws -> Result
) async throws -> Result {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let socketPath = directory.path + "/switch"
    let pidFile = writesPidFile ? directory.path + "/switch.pid" : nil
    let arguments = ["-s", socketPath] + (pidFile.map { ["-p", $0] } ?? [])
    return try await withChildProcess(VDESwitchProcess.executable, arguments) { child in
        let deadline = ContinuousClock.now + .seconds(5)
        while !FileManager.default.fileExists(atPath: socketPath + "/ctl")
            || !(pidFile.map { FileManager.default.fileExists(atPath: $0) } ?? true)
        {
            if ContinuousClock.now > deadline || !child.isRunning { throw VDESwitchProcess.SwitchDidNotStart() }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(50))  // the socket file exists at bind(); let the switch listen()
        return try await body(
            VDESwitchProcess(directory: directory, child: child, socketPath: socketPath, pidFile: pidFile))
    }
}
