import Foundation

/// Starts `executable` with `arguments` through `posix_spawn`, with the file actions the caller set up, default
/// signal dispositions and an empty signal mask: the child obeys SIGTERM even when the parent (a test runner, or
/// `nicsim sweep` while it waits) blocks signals. Returns the child's pid and 0, or the `errno` of the failed spawn.
///
/// The one hand-written process starter: `nicsim sweep`'s children (a synchronous poll loop over many children)
/// and the VDE tests' `ChildProcess` (see there why); the real-network lab uses swift-subprocess (`LabProcess`).
public func spawnWithDefaultSignals(_ executable: String, _ arguments: [String],
                                    actions: inout posix_spawn_file_actions_t) -> (pid: pid_t, error: Int32) {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var child: pid_t = 0
    let error = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
    return (child, error)
}

