/// Reads pcap capture files held in memory.
public enum PcapReader {
    /// Parses every record of a pcap file.
    ///
    /// Accepts microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic numbers in either byte order; the link
    /// type and version are not checked. Throws on a bad magic number, a short global header, a record that runs
    /// past the end of the file, or a sub-second timestamp field out of range.
    public static func read(_ bytes: [UInt8]) throws(PcapError) -> [PcapRecord] {
        guard bytes.count >= PcapWriter.globalHeaderSize else {
            throw PcapError(
                code: .truncatedHeader, message: "file of \(bytes.count) bytes is shorter than the 24-byte header")
        }
        let littleMagic = loadUInt32(bytes, 0, bigEndian: false)
        let bigEndian: Bool
        let nanoseconds: Bool
        switch littleMagic {
        case PcapWriter.microsecondMagic: (bigEndian, nanoseconds) = (false, false)
        case PcapWriter.nanosecondMagic: (bigEndian, nanoseconds) = (false, true)
        case PcapWriter.microsecondMagic.byteSwapped: (bigEndian, nanoseconds) = (true, false)
        case PcapWriter.nanosecondMagic.byteSwapped: (bigEndian, nanoseconds) = (true, true)
        default:
            let hex = String(littleMagic, radix: 16)
            throw PcapError(code: .badMagic, message: "unknown magic number 0x\(hex) (read little-endian)")
        }
        let fractionLimit: UInt32 = nanoseconds ? 1_000_000_000 : 1_000_000
        let fractionScale: Int64 = nanoseconds ? 1 : 1_000

        var records: [PcapRecord] = []
        var offset = PcapWriter.globalHeaderSize
        while offset < bytes.count {
            let index = records.count
            guard bytes.count - offset >= PcapWriter.recordHeaderSize else {
                throw PcapError(
                    code: .truncatedRecord(index: index),
                    message: "record \(index) header is cut off at byte \(offset)")
            }
            let seconds = loadUInt32(bytes, offset, bigEndian: bigEndian)
            let fraction = loadUInt32(bytes, offset + 4, bigEndian: bigEndian)
            let included = Int(loadUInt32(bytes, offset + 8, bigEndian: bigEndian))
            let original = Int(loadUInt32(bytes, offset + 12, bigEndian: bigEndian))
            guard fraction < fractionLimit else {
                throw PcapError(
                    code: .invalidTimestamp(index: index),
                    message: "record \(index) sub-second field \(fraction) is not below \(fractionLimit)")
            }
            let dataStart = offset + PcapWriter.recordHeaderSize
            guard bytes.count - dataStart >= included else {
                throw PcapError(
                    code: .truncatedRecord(index: index),
                    message: "record \(index) needs \(included) bytes at \(dataStart), file has \(bytes.count)")
            }
            records.append(
                PcapRecord(
                    timestampNanoseconds: Int64(seconds) * 1_000_000_000 + Int64(fraction) * fractionScale,
                    originalLength: original, data: Array(bytes[dataStart..<(dataStart + included)])))
            offset = dataStart + included
        }
        return records
    }

    private static func loadUInt32(_ bytes: [UInt8], _ offset: Int, bigEndian: Bool) -> UInt32 {
        let value =
            UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
        return bigEndian ? value.byteSwapped : value
    }
}
