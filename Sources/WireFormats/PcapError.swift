/// Why a pcap file could not be read.
public struct PcapError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Hashable, Sendable {
        /// The first four bytes are none of the four pcap magic numbers.
        case badMagic
        /// The file is shorter than the 24-byte global header.
        case truncatedHeader
        /// Record `index` (counting from 0) ends after the end of the file, in its header or its data.
        case truncatedRecord(index: Int)
        /// Record `index` has a sub-second timestamp field of a second or more.
        case invalidTimestamp(index: Int)
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message with a "pcap: " prefix.
    public var description: String {
        "pcap: " + message
    }
}
