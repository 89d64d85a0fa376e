/// What a ``VDEPort`` has carried between the simulation and the outside network.
public struct VDEPortCounters: Hashable, Sendable {
    /// Frames from the simulation the transport accepted.
    public var framesSent = 0
    /// Bytes of those frames as sent (after padding).
    public var bytesSent = 0
    /// Frames dropped because the socket queue was full (ENOBUFS, EAGAIN).
    public var sendDrops = 0
    /// Sends that failed with another error.
    public var sendErrors = 0
    /// Frames from the simulation released unsent because the port was down or closed.
    public var discardedWhileDown = 0
    /// Frames longer than vde_switch forwards whole (1,518 bytes), sent anyway on a `vde://` port: the switch
    /// delivers only their first 1,518 bytes.
    public var oversizeFlagged = 0
    /// Frames shorter than the 60-byte Ethernet minimum, padded with zeros before sending.
    public var paddedFrames = 0
    /// Frames read from outside.
    public var framesReceived = 0
    /// Bytes of frames read from outside.
    public var bytesReceived = 0
    /// Frames from outside handed to ``VDEPort/inbound`` at the current virtual time.
    public var framesInjected = 0
    /// Frames from outside dropped because they do not fit a frame slot of the simulation.
    public var receivedTooLong = 0
    /// Frames from outside dropped because no ``VDEPort/inbound`` sink is attached.
    public var receivedUndeliverable = 0
    /// Reads shorter than an Ethernet header, skipped.
    public var shortReads = 0
    /// Failed reads and polls.
    public var receiveErrors = 0
    /// Polls for frames from outside.
    public var polls = 0

    public init() {}
}
