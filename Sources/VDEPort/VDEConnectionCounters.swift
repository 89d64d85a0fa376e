/// What one ``VDEConnection`` has moved and what went wrong, counted since it was opened.
public struct VDEConnectionCounters: Hashable, Sendable {
    /// Frames `vde_send` accepted.
    public var framesSent = 0
    /// Bytes of the frames `vde_send` accepted.
    public var bytesSent = 0
    /// Frames not sent because the socket queue was full (ENOBUFS, EAGAIN/EWOULDBLOCK). vde_switch drops in the
    /// same way when a reader's queue is full; sending never waits for room.
    public var sendDrops = 0
    /// Sends that failed with any other error (each is counted; the first is kept in
    /// ``VDEConnection/firstSendError``).
    public var sendErrors = 0
    /// Frames not attempted because the connection was down or closed.
    public var discardedWhileDown = 0
    /// Frames `vde_recv` delivered (14 bytes or longer).
    public var framesReceived = 0
    /// Bytes of those frames as delivered (a frame longer than the receive slot counts the slot's length).
    public var bytesReceived = 0
    /// Reads shorter than an Ethernet header. libvdeplug plugins return 1 for "nothing for you" (a packet
    /// from another network id, the sender's own multicast echo); these are skipped, not errors.
    public var shortReads = 0
    /// Reads that failed with an error other than "nothing more to read".
    public var receiveErrors = 0
    /// Calls to ``VDEConnection/receive(into:timeoutMilliseconds:)``.
    public var polls = 0

    public init() {}
}
