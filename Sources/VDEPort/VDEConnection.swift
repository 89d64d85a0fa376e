internal import CVDEPlug

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One open libvdeplug connection: a plug into a VDE switch, a point-to-point socket, a tap device, a VXVDE
/// network or the null sink, named by a libvdeplug URL.
///
/// **Never blocks on send.** The data descriptor is made non-blocking at open, so a full socket queue (ENOBUFS,
/// EAGAIN) makes ``send(_:from:count:)`` return `false` and count a drop instead of waiting. EINTR is retried.
///
/// **Going down.** When the far end goes away for good (a vde_switch that exited, whose control connection
/// reaches end of file or whose data socket refuses frames with ECONNREFUSED, ENOTCONN, EPIPE, ECONNRESET or
/// ENOENT), the connection moves to ``State-swift.enum/down`` and keeps the error that took it there in
/// ``downReason``. Later sends are not attempted; they are counted in
/// ``VDEConnectionCounters/discardedWhileDown`` and throw an error with code ``VDEError/Code/peerClosed`` or the
/// original code. For `ptp://` and the network plugins a refused frame only means the peer is not listening
/// yet; those errors are counted and the connection stays up.
///
/// **Receiving** polls with a zero or bounded timeout and drains every waiting frame into a caller-provided
/// ``VDEFrameBuffer`` without allocating.
///
/// A connection is single-threaded, like every simulation component.
public final class VDEConnection {
    /// The URL the connection was opened with.
    public let url: String
    /// The plugin part of the URL ("vde", "ptp", "tap", "vxvde", "null", …); "vde" for a bare path.
    public let scheme: String

    /// Whether a connection can still move frames.
    public enum State: Hashable, Sendable {
        /// Open and usable.
        case open
        /// The far end went away; see ``VDEConnection/downReason``.
        case down
        /// Closed by ``VDEConnection/close()``.
        case closed
    }

    /// Where the connection stands.
    public private(set) var state: State = .open
    /// What was moved and what failed.
    public private(set) var counters = VDEConnectionCounters()
    /// The error that took the connection down, if it went down.
    public private(set) var downReason: VDEError?
    /// The first failed send (other than a full queue), kept so that it can be reported once.
    public private(set) var firstSendError: VDEError?
    /// The first failed receive, kept so that it can be reported once.
    public private(set) var firstReceiveError: VDEError?

    /// Whether vde_switch sits behind this URL, which cuts frames longer than
    /// ``VDEConnection/vdeSwitchMaximumFrameLength`` bytes.
    public let truncatesLongFrames: Bool

    /// Longest frame vde_switch forwards whole: 1,518 bytes (a VLAN-tagged 1,500-byte payload, no FCS). Longer
    /// frames are cut to this length by the switch (REFERENCE.md, "Figures measured on this class of machine").
    public static let vdeSwitchMaximumFrameLength = 1518
    /// Longest frame libvdeplug moves at all (its `VDE_ETHBUFSIZE`: MTU 9,216 + 14 + 4 bytes).
    public static var libraryMaximumFrameLength: Int { Int(nicsim_vde_ethbufsize) }
    /// Shortest Ethernet frame without FCS (IEEE 802.3): shorter reads are not frames.
    public static let ethernetHeaderLength = 14

    private var handle: OpaquePointer?
    private let dataDescriptor: Int32
    private let controlDescriptor: Int32
    /// Reading the data descriptor directly reads frames (vde, ptp, tap), so a drain can loop until EAGAIN.
    /// Other plugins multiplex behind it (vxvde's epoll descriptor, null's eventfd), so each read is polled first.
    private let drainsUntilWouldBlock: Bool
    /// Losing the peer ends the connection for good (a switch port) rather than meaning "not listening yet".
    private let peerLossIsFinal: Bool
    /// Two `pollfd`s (data, control), allocated once.
    private let pollDescriptors: UnsafeMutablePointer<pollfd>

    /// Opens `url` with libvdeplug.
    ///
    /// - Parameters:
    ///   - url: Any libvdeplug URL: `vde:///run/sw` (or a bare path), `ptp:///tmp/link`, `vxvde://239.1.2.3`,
    ///     `tap://tap0`, `null://`.
    ///   - description: Shown by the switch for this port (`port/print` on its console).
    ///   - port: Switch port to plug into; 0 lets the switch choose.
    /// - Throws: ``VDEError`` with code ``VDEError/Code/openFailed`` and the errno of `vde_open` when nothing is
    ///   there (no switch at that path: ENOENT or ECONNREFUSED; an unknown plugin: EPROTONOSUPPORT), or
    ///   ``VDEError/Code/configurationFailed`` when the data descriptor cannot be made non-blocking.
    public init(url: String, description: String = "nicsim", port: Int = 0) throws(VDEError) {
        self.url = url
        let scheme = Self.scheme(of: url)
        self.scheme = scheme
        truncatesLongFrames = scheme == "vde"
        peerLossIsFinal = Self.switchSchemes.contains(scheme)
        drainsUntilWouldBlock = Self.directDescriptorSchemes.contains(scheme)
        if !Self.datagramSchemes.contains(scheme) { Self.ignoreBrokenPipeOnce() }

        let opened = nicsim_vde_open_port(url, description, Int32(clamping: port))
        let openErrno = errno
        guard let opened else {
            throw VDEError(
                code: .openFailed, url: url, errno: openErrno, message: Self.openHint(scheme: scheme, errno: openErrno))
        }
        handle = opened
        dataDescriptor = vde_datafd(opened)
        controlDescriptor = vde_ctlfd(opened)
        pollDescriptors = .allocate(capacity: 2)
        pollDescriptors.initialize(repeating: pollfd(fd: -1, events: 0, revents: 0), count: 2)

        if dataDescriptor >= 0 {
            let flags = fcntl(dataDescriptor, F_GETFL)
            let setResult = flags < 0 ? flags : fcntl(dataDescriptor, F_SETFL, flags | O_NONBLOCK)
            let fcntlErrno = errno
            if setResult < 0 {
                vde_close(opened)
                handle = nil
                state = .closed
                throw VDEError(
                    code: .configurationFailed, url: url, errno: fcntlErrno,
                    message: "cannot make the data descriptor non-blocking")
            }
        }
    }

    deinit {
        if let handle { vde_close(handle) }
        pollDescriptors.deinitialize(count: 2)
        pollDescriptors.deallocate()
    }

    /// Closes the connection. Later sends and receives are counted as discarded and throw
    /// ``VDEError/Code/closed``. Closing twice does nothing.
    public func close() {
        if let handle { vde_close(handle) }
        handle = nil
        state = .closed
    }

    // MARK: - Sending

    /// Sends one frame: `count` bytes of `bytes` starting at `start`.
    ///
    /// Returns `true` when the frame was handed to the transport and `false` when it was dropped because the
    /// socket queue was full (ENOBUFS, EAGAIN; counted in ``VDEConnectionCounters/sendDrops``). Never waits.
    ///
    /// - Throws: ``VDEError`` with code ``VDEError/Code/sendFailed`` and the errno for any other failure (counted
    ///   in ``VDEConnectionCounters/sendErrors``; a peer-loss errno also takes the connection down); with the
    ///   code of ``downReason`` when the connection is already down, or ``VDEError/Code/closed`` after
    ///   ``close()`` (both counted in ``VDEConnectionCounters/discardedWhileDown``, no system call made).
    @discardableResult
    public func send(_ bytes: [UInt8], from start: Int, count: Int) throws(VDEError) -> Bool {
        precondition(start >= 0 && count >= 0 && start <= bytes.count - count, "send range outside the array")
        guard let handle, state == .open else {
            counters.discardedWhileDown += 1
            throw downReason ?? VDEError(code: .closed, url: url, errno: 0, message: "send after close")
        }
        while true {
            let (result, error) = bytes.withUnsafeBytes { raw -> (Int, Int32) in
                guard let base = raw.baseAddress else { return (-1, EINVAL) }
                let sent = vde_send(handle, base + start, count, 0)
                return (sent, sent < 0 ? errno : 0)
            }
            if result >= 0 {
                counters.framesSent += 1
                counters.bytesSent += count
                return true
            }
            switch error {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK, ENOBUFS:
                counters.sendDrops += 1
                return false
            default:
                counters.sendErrors += 1
                let failure = VDEError(
                    code: .sendFailed, url: url, errno: error, message: sendHint(errno: error))
                if firstSendError == nil { firstSendError = failure }
                if isPeerLoss(error) { goDown(failure) }
                throw failure
            }
        }
    }

    // MARK: - Receiving

    /// Reads every frame waiting on the connection, up to the buffer's capacity, into `buffer` (replacing its
    /// previous batch), and returns how many arrived.
    ///
    /// Waits up to `timeoutMilliseconds` for the first frame (0: do not wait; the simulation polls from a
    /// periodic event). Frames longer than ``VDEFrameBuffer/bytesPerFrame`` are cut to it. Reads shorter than an
    /// Ethernet header are skipped and counted in ``VDEConnectionCounters/shortReads``. When the switch has closed
    /// the control connection, the frames already queued are still returned and the connection goes down.
    ///
    /// - Throws: ``VDEError`` (``VDEError/Code/pollFailed`` or ``VDEError/Code/receiveFailed`` with errno) only
    ///   when no frame was read; an error after some frames is counted and kept in ``firstReceiveError``.
    @discardableResult
    public func receive(into buffer: VDEFrameBuffer, timeoutMilliseconds: Int32 = 0) throws(VDEError) -> Int {
        precondition(timeoutMilliseconds >= 0, "a receive waits a bounded time")
        buffer.count = 0
        counters.polls += 1
        guard let handle, state == .open else {
            throw downReason ?? VDEError(code: .closed, url: url, errno: 0, message: "receive after close")
        }
        pollDescriptors[0] = pollfd(fd: dataDescriptor, events: Int16(POLLIN), revents: 0)
        pollDescriptors[1] = pollfd(fd: controlDescriptor, events: Int16(POLLIN), revents: 0)
        let ready = try pollRetryingInterrupts(count: 2, timeoutMilliseconds: timeoutMilliseconds)
        if ready == 0 { return 0 }
        let dataEvents = Int32(pollDescriptors[0].revents)
        let controlEvents = Int32(pollDescriptors[1].revents)

        var pendingError: VDEError?
        if dataEvents & Int32(POLLIN | POLLERR | POLLHUP) != 0 {
            pendingError = drain(handle, into: buffer)
        }
        if controlDescriptor >= 0, controlEvents != 0, controlConnectionEnded() {
            let closed = VDEError(
                code: .peerClosed, url: url, errno: 0,
                message: "the switch closed this port's control connection (vde_switch exited or removed the port)")
            goDown(closed)
            if buffer.count == 0, pendingError == nil { throw closed }
        }
        if let pendingError, buffer.count == 0 { throw pendingError }
        return buffer.count
    }

    /// Reads frames until nothing is left or the buffer is full; returns the error that stopped it, if any.
    private func drain(_ handle: OpaquePointer, into buffer: VDEFrameBuffer) -> VDEError? {
        let slot = buffer.bytesPerFrame
        // Short reads do not fill the buffer; bound the loop anyway so a plugin that always answers cannot spin.
        var attempts = 2 * buffer.frameCapacity + 2
        var coveredByPoll = true
        while buffer.count < buffer.frameCapacity, attempts > 0 {
            attempts -= 1
            if !drainsUntilWouldBlock, !coveredByPoll {
                // A read on these plugins may wait (vxvde) or invent a result (null); ask poll first.
                guard (try? dataReadable()) == true else { return nil }
            }
            coveredByPoll = false
            let start = buffer.count * slot
            let (result, error) = buffer.bytes.withUnsafeMutableBytes { raw -> (Int, Int32) in
                guard let base = raw.baseAddress else { return (-1, EINVAL) }
                let read = vde_recv(handle, base + start, slot, 0)
                return (read, read < 0 ? errno : 0)
            }
            if result < 0 {
                switch error {
                case EINTR:
                    continue
                case EAGAIN, EWOULDBLOCK:
                    return nil
                default:
                    counters.receiveErrors += 1
                    let failure = VDEError(
                        code: .receiveFailed, url: url, errno: error, message: "vde_recv failed")
                    if firstReceiveError == nil { firstReceiveError = failure }
                    if isPeerLoss(error) { goDown(failure) }
                    return failure
                }
            }
            if result < Self.ethernetHeaderLength {
                counters.shortReads += 1
                continue
            }
            buffer.lengths[buffer.count] = result
            buffer.count += 1
            counters.framesReceived += 1
            counters.bytesReceived += result
        }
        return nil
    }

    /// Waits up to `timeoutMilliseconds` for room to send; returns whether there is. For measurements
    /// (``blast(count:frameLength:waitForRoom:)``), never on the simulation's send path. An unconnected datagram
    /// socket (ptp://) always reports room, so the caller's retry spins.
    func waitUntilWritable(timeoutMilliseconds: Int32) -> Bool {
        pollDescriptors[0] = pollfd(fd: dataDescriptor, events: Int16(POLLOUT), revents: 0)
        while true {
            let ready = poll(pollDescriptors, 1, timeoutMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }

    /// Whether the data descriptor has something to read now (a zero-timeout poll).
    private func dataReadable() throws(VDEError) -> Bool {
        pollDescriptors[0] = pollfd(fd: dataDescriptor, events: Int16(POLLIN), revents: 0)
        let ready = try pollRetryingInterrupts(count: 1, timeoutMilliseconds: 0)
        return ready > 0 && Int32(pollDescriptors[0].revents) & Int32(POLLIN | POLLERR | POLLHUP) != 0
    }

    private func pollRetryingInterrupts(count: Int, timeoutMilliseconds: Int32) throws(VDEError) -> Int32 {
        while true {
            let ready = poll(pollDescriptors, nfds_t(count), timeoutMilliseconds)
            if ready >= 0 { return ready }
            let error = errno
            if error == EINTR { continue }
            counters.receiveErrors += 1
            let failure = VDEError(code: .pollFailed, url: url, errno: error, message: "poll failed")
            if firstReceiveError == nil { firstReceiveError = failure }
            throw failure
        }
    }

    /// The control socket is silent after the handshake, so anything readable is end of file or an error.
    private func controlConnectionEnded() -> Bool {
        var byte: UInt8 = 0
        while true {
            let peeked = recv(controlDescriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            if peeked == 0 { return true }
            if peeked > 0 { return false }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK, ENOTSOCK: return false
            default: return true
            }
        }
    }

    // MARK: - Failure handling

    private func goDown(_ reason: VDEError) {
        guard state == .open else { return }
        state = .down
        downReason = reason
    }

    private func isPeerLoss(_ error: Int32) -> Bool {
        switch error {
        case EBADF, ENOTSOCK:
            return true
        case ECONNREFUSED, ENOTCONN, EPIPE, ECONNRESET, ENOENT, EDESTADDRREQ:
            return peerLossIsFinal
        default:
            return false
        }
    }

    private func sendHint(errno error: Int32) -> String {
        switch error {
        case ECONNREFUSED, ENOTCONN, EPIPE, ECONNRESET, ENOENT:
            peerLossIsFinal ? "vde_send failed; the switch has gone away" : "vde_send failed; the peer is not there"
        case EMSGSIZE:
            "vde_send failed; the frame is too long for this transport"
        case EIO:
            "vde_send failed; is the tap device up?"
        default:
            "vde_send failed"
        }
    }

    private static func openHint(scheme: String, errno error: Int32) -> String {
        switch (scheme, error) {
        case ("vde", ENOENT), ("vde", ECONNREFUSED):
            "no VDE switch answers there; start one with `vde_switch -s DIRECTORY` and pass vde://DIRECTORY"
        case (_, EPROTONOSUPPORT):
            "libvdeplug has no plugin for \"\(scheme)://\""
        case ("tap", EPERM), ("tap", EACCES):
            "opening a tap device needs CAP_NET_ADMIN"
        default:
            "vde_open failed"
        }
    }

    // MARK: - URL schemes

    /// libvdeplug's rule: the text before "://" names the plugin; a URL without it is a vde_switch path.
    static func scheme(of url: String) -> String {
        guard let range = url.firstRange(of: "://") else { return "vde" }
        let prefix = url[..<range.lowerBound]
        return prefix.isEmpty ? "vde" : String(prefix)
    }

    /// Plugins where the far end is a switch port that does not come back once gone.
    private static let switchSchemes: Set<String> = ["vde", "seqpacket", "cmd"]
    /// Plugins whose data descriptor is the frame socket or device itself.
    private static let directDescriptorSchemes: Set<String> = ["vde", "ptp", "tap", "udp", "p2p"]
    /// Plugins that send on datagram sockets or devices, where a vanished peer cannot raise SIGPIPE.
    private static let datagramSchemes: Set<String> = [
        "vde", "ptp", "tap", "null", "vxvde", "vxlan", "udp", "p2p", "hub", "switch", "macvtap",
    ]

    /// Stream-based plugins (cmd://, seqpacket://) write with flags libvdeplug does not let us set, so a peer that
    /// exits would raise SIGPIPE and kill the run. Ignore SIGPIPE once (only if nobody installed a handler), so
    /// that the write fails with EPIPE and is counted instead.
    private static func ignoreBrokenPipeOnce() { _ = brokenPipeIgnored }
    private static let brokenPipeIgnored: Bool = {
        var current = sigaction()
        guard sigaction(SIGPIPE, nil, &current) == 0 else { return false }
        guard current.__sigaction_handler.sa_handler == nil else { return false }  // nil is SIG_DFL
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        return sigaction(SIGPIPE, &ignore, nil) == 0
    }()
}
