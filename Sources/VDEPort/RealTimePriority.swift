#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Real-time scheduling for the pacing thread: `SCHED_FIFO` and locked memory, when the process may have them.
///
/// The pacer runs on the thread that runs the simulation. At normal priority (`SCHED_OTHER`) that thread shares
/// its core with everything else on the machine: on a busy machine its sleeps end milliseconds late, and no
/// spinning helps. Under `SCHED_FIFO` it preempts every normal thread the moment its timer fires, and with its
/// memory locked (`mlockall(MCL_CURRENT | MCL_FUTURE)`) a page fault never stalls a send.
///
/// The costs, which is why it is an option: while the simulation works (or spins before a frame) no normal
/// thread gets that core, including the vde_switch and the receivers of the frames, so a run that needs more than
/// a core's worth of work slows the whole machine; the kernel's real-time throttling
/// (`/proc/sys/kernel/sched_rt_runtime_us`, 950 ms of each second by default) then stops the thread for the rest
/// of each second (measured: 50 ms stalls when a FIFO thread spins continuously), which is worse than normal
/// priority; and locked memory cannot be swapped, so a large scenario holds its whole footprint in RAM. It needs
/// root, or CAP_SYS_NICE with an `RLIMIT_RTPRIO` of at least ``priority`` (and CAP_IPC_LOCK or a large enough
/// `RLIMIT_MEMLOCK` for the lock).
public struct RealTimePriority: Sendable {
    /// The `SCHED_FIFO` priority used (1…99): 50, the middle, above normal threads and below the kernel's own
    /// real-time threads (threaded interrupt handlers run at 50 too).
    public static let priority: Int32 = 50

    /// What ``enable()`` got.
    public struct Outcome: Hashable, Sendable {
        /// Whether the thread now runs under `SCHED_FIFO`.
        public var scheduled: Bool
        /// Whether the process's memory is locked.
        public var locked: Bool
        /// Why a part was refused, one sentence each, empty when both were granted.
        public var refusals: [String]
        /// "granted", or "refused: …" with the reasons.
        public var summary: String { refusals.isEmpty ? "granted" : "refused: " + refusals.joined(separator: "; ") }
    }

    private var previousPolicy: Int32 = 0
    private var previousParameters = sched_param()
    private var outcome: Outcome?

    public init() {}

    /// Puts the calling thread under `SCHED_FIFO` at ``priority`` and locks the process's memory, each when
    /// allowed; what was refused is in the outcome (nothing is changed for a refused part).
    public mutating func enable() -> Outcome {
        var result = Outcome(scheduled: false, locked: false, refusals: [])
        let thread = pthread_self()
        var policy: Int32 = 0
        var parameters = sched_param()
        if pthread_getschedparam(thread, &policy, &parameters) == 0 {
            previousPolicy = policy
            previousParameters = parameters
        }
        var wanted = sched_param()
        wanted.sched_priority = Self.priority
        let status = pthread_setschedparam(thread, Int32(SCHED_FIFO), &wanted)
        if status == 0 {
            result.scheduled = true
        } else {
            result.refusals.append(
                "SCHED_FIFO priority \(Self.priority): \(String(cString: strerror(status)))"
                    + (status == EPERM
                        ? " (needs root, or CAP_SYS_NICE and an RLIMIT_RTPRIO of at least \(Self.priority))" : ""))
        }
        if mlockall(Int32(MCL_CURRENT | MCL_FUTURE)) == 0 {
            result.locked = true
        } else {
            let error = errno
            result.refusals.append(
                "mlockall: \(String(cString: strerror(error)))"
                    + (error == EPERM || error == ENOMEM ? " (needs CAP_IPC_LOCK or a larger RLIMIT_MEMLOCK)" : ""))
        }
        outcome = result
        return result
    }

    /// Undoes what ``enable()`` was granted: the thread's previous policy, and memory unlocked.
    public mutating func restore() {
        guard let granted = outcome else { return }
        if granted.scheduled { _ = pthread_setschedparam(pthread_self(), previousPolicy, &previousParameters) }
        if granted.locked { _ = munlockall() }
        outcome = nil
    }
}
