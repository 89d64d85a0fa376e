import Labs
import Foundation

/// A vde_switch of the test's own, in a fresh temporary directory, run as a child process.
///
/// Its console reads the child's standard input, which the test keeps open; `stop()` terminates it, waits for it
/// and removes the directory.
final class VDESwitchProcess {
    static let executable = "/usr/bin/vde_switch"

    let directory: TemporaryDirectory
    let child: ChildProcess
    /// The switch's control directory.
    let socketPath: String
    /// `vde://` + the control directory.
    var url: String { "vde://" + socketPath }

    /// The file the switch writes its process id to (`-p`), when asked for one.
    let pidFile: String?

    init(writesPidFile: Bool = false) throws {
        directory = try TemporaryDirectory()
        socketPath = directory.path + "/switch"
        pidFile = writesPidFile ? directory.path + "/switch.pid" : nil
        do {
            child = try ChildProcess(Self.executable, ["-s", socketPath] + (pidFile.map { ["-p", $0] } ?? []))
        } catch {
            directory.remove()
            throw error
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while !FileManager.default.fileExists(atPath: socketPath + "/ctl")
            || !(pidFile.map { FileManager.default.fileExists(atPath: $0) } ?? true)
        {
            if ContinuousClock.now > deadline || !child.isRunning {
                stop()
                throw SwitchDidNotStart()
            }
            pause(milliseconds: 10)
        }
        pause(milliseconds: 50)  // the socket file exists at bind(); give the switch time to listen()
    }

    /// Terminates the switch (SIGTERM, bounded) and removes its directory.
    func stop() {
        child.stop()
        directory.remove()
    }

    /// Kills the switch without letting it clean up, as a crash would (the directory stays until `stop()`).
    func crash() {
        kill(child.pid, SIGKILL)
        _ = child.wait(milliseconds: 2_000)
    }

    struct SwitchDidNotStart: Error {}
}
