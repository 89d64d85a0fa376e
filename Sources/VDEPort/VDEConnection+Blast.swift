/// The outcome of ``VDEConnection/blast(count:frameLength:waitForRoom:)``.
public struct BlastResult: Hashable, Sendable {
    /// Frames the loop tried to send.
    public var attempted: Int
    /// Frames the transport accepted.
    public var sent: Int
    /// Frames dropped because the socket queue was full (ENOBUFS, EAGAIN).
    public var dropped: Int
    /// Sends that failed otherwise.
    public var failed: Int
    /// Wall-clock nanoseconds the loop took.
    public var elapsedNanoseconds: Int64
    /// Times the loop waited for room in the socket queue (only when asked to wait).
    public var waits: Int

    /// Creates a result (also for other loops that report in the same form, such as a simulation feeding a port).
    public init(attempted: Int, sent: Int, dropped: Int, failed: Int, elapsedNanoseconds: Int64, waits: Int = 0) {
        self.attempted = attempted
        self.sent = sent
        self.dropped = dropped
        self.failed = failed
        self.elapsedNanoseconds = elapsedNanoseconds
        self.waits = waits
    }

    /// Accepted frames per wall-clock second.
    public var sentPerSecond: Double { perSecond(sent) }
    /// Attempted frames per wall-clock second.
    public var attemptedPerSecond: Double { perSecond(attempted) }

    private func perSecond(_ frames: Int) -> Double {
        elapsedNanoseconds > 0 ? Double(frames) * 1e9 / Double(elapsedNanoseconds) : 0
    }
}

extension VDEConnection {
    /// Sends `count` copies of one `frameLength`-byte frame as fast as the transport takes them, without pacing,
    /// and measures the wall time: the transport's own limit, for comparison with a C sender calling libvdeplug
    /// directly (Benchmarks/vde). Stops early when the connection goes down.
    ///
    /// The frame goes to the locally administered unicast address 02:00:00:00:00:02 from 02:00:00:00:00:01 with
    /// the IEEE local experimental EtherType 0x88B5, so a switch floods it to every other port; bytes 14–21 carry
    /// the frame's sequence number (big-endian).
    ///
    /// With `waitForRoom`, a full queue is waited on instead of dropping the frame (`poll` for POLLOUT, 10 ms at a
    /// time, at most 1 s per frame) and the same frame is sent again: the transport's lossless limit. This is for
    /// measurements only; the connection's counters then also count each full-queue attempt as a drop.
    public func blast(count: Int, frameLength: Int, waitForRoom: Bool = false) -> BlastResult {
        precondition(count >= 0 && frameLength >= Self.ethernetHeaderLength + 8, "blast needs a frame of 22+ bytes")
        var frame = [UInt8](repeating: 0, count: frameLength)
        let header: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xB5]
        for i in 0..<header.count { frame[i] = header[i] }
        var result = BlastResult(attempted: 0, sent: 0, dropped: 0, failed: 0, elapsedNanoseconds: 0)
        let start = WallClock.now()
        for sequence in 0..<count {
            guard state == .open else { break }
            var value = UInt64(sequence)
            for i in stride(from: 21, through: 14, by: -1) {
                frame[i] = UInt8(truncatingIfNeeded: value)
                value >>= 8
            }
            result.attempted += 1
            var waitedMilliseconds = 0
            do {
                while true {
                    if try send(frame, from: 0, count: frameLength) {
                        result.sent += 1
                        break
                    }
                    guard waitForRoom, waitedMilliseconds < 1_000 else {
                        result.dropped += 1
                        break
                    }
                    result.waits += 1
                    if !waitUntilWritable(timeoutMilliseconds: 10) { waitedMilliseconds += 10 }
                }
            } catch {
                result.failed += 1
            }
        }
        result.elapsedNanoseconds = WallClock.now() - start
        return result
    }
}
