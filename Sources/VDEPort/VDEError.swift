#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an operation on a VDE connection failed: the operation, the URL and the operating system's errno.
///
/// The errno is read immediately after the failing call, before anything else can overwrite it (STYLE.md,
/// "Errors", tier 2).
public struct VDEError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. New kinds may be added; switch over it with a `default` case.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case openFailed, configurationFailed, sendFailed, receiveFailed, pollFailed, peerClosed, closed
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// `vde_open` returned no connection: no switch at that path, an unknown plugin, a bad URL.
        public static var openFailed: Code { Code(.openFailed) }
        /// Setting up the connection's descriptors (for example making the data descriptor non-blocking) failed.
        public static var configurationFailed: Code { Code(.configurationFailed) }
        /// `vde_send` failed with an error other than a full queue (ENOBUFS/EAGAIN, which are counted as drops).
        public static var sendFailed: Code { Code(.sendFailed) }
        /// `vde_recv` failed.
        public static var receiveFailed: Code { Code(.receiveFailed) }
        /// `poll` on the connection's descriptors failed.
        public static var pollFailed: Code { Code(.pollFailed) }
        /// The switch closed its end of the control connection: it has exited or dropped this port.
        public static var peerClosed: Code { Code(.peerClosed) }
        /// The connection was used after ``VDEConnection/close()``.
        public static var closed: Code { Code(.closed) }

        public var description: String {
            switch kind {
            case .openFailed: "open failed"
            case .configurationFailed: "configuration failed"
            case .sendFailed: "send failed"
            case .receiveFailed: "receive failed"
            case .pollFailed: "poll failed"
            case .peerClosed: "peer closed"
            case .closed: "connection closed"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The libvdeplug URL of the connection, as given to ``VDEConnection/init(url:description:port:)``.
    public var url: String
    /// The errno of the failing call, or 0 when the failure did not come from a system call.
    public var errno: Int32
    /// What was being attempted, and a hint where one helps.
    public var message: String

    /// Creates an error.
    public init(code: Code, url: String, errno: Int32, message: String) {
        self.code = code
        self.url = url
        self.errno = errno
        self.message = message
    }

    /// The text the C library gives for ``errno`` ("Connection refused"), or "" when errno is 0.
    public var errnoText: String {
        guard errno != 0 else { return "" }
        return String(cString: strerror(errno))
    }

    /// The errno's symbolic name for the common network errors ("ECONNREFUSED"), or "errno N".
    public var errnoName: String {
        switch errno {
        case 0: "no errno"
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case EINTR: "EINTR"
        case EIO: "EIO"
        case EBADF: "EBADF"
        case EAGAIN: "EAGAIN"
        case EACCES: "EACCES"
        case EINVAL: "EINVAL"
        case EPIPE: "EPIPE"
        case ENOTSOCK: "ENOTSOCK"
        case EMSGSIZE: "EMSGSIZE"
        case EPROTONOSUPPORT: "EPROTONOSUPPORT"
        case EADDRINUSE: "EADDRINUSE"
        case ENETUNREACH: "ENETUNREACH"
        case ECONNRESET: "ECONNRESET"
        case ENOBUFS: "ENOBUFS"
        case ENOTCONN: "ENOTCONN"
        case ECONNREFUSED: "ECONNREFUSED"
        case EDESTADDRREQ: "EDESTADDRREQ"
        default: "errno \(errno)"
        }
    }

    /// "vde: send failed on vde:///tmp/sw: Connection refused (ECONNREFUSED); the switch has gone away".
    public var description: String {
        var text = "vde: \(code) on \(url)"
        if !message.isEmpty { text += ": " + message }
        if errno != 0 { text += " [\(errnoText) (\(errnoName))]" }
        return text
    }
}
