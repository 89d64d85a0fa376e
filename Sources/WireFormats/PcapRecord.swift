/// One frame read from a pcap file.
public struct PcapRecord: Hashable, Sendable {
    /// Capture time in nanoseconds since the Unix epoch (record fields ts_sec and ts_usec/ts_nsec).
    public var timestampNanoseconds: Int64
    /// Length of the frame on the wire in bytes (record field orig_len); may exceed `data.count`.
    public var originalLength: Int
    /// The captured bytes (record field incl_len gives their count).
    public var data: [UInt8]

    /// Creates a record.
    public init(timestampNanoseconds: Int64, originalLength: Int, data: [UInt8]) {
        self.timestampNanoseconds = timestampNanoseconds
        self.originalLength = originalLength
        self.data = data
    }
}
