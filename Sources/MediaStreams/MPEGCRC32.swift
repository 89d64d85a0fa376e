/// The CRC-32 of MPEG-2 PSI sections (ISO/IEC 13818-1 Annex B): polynomial 0x04C11DB7, initial value
/// 0xFFFFFFFF, no bit reflection, no final XOR.
///
/// Run over a whole section including its trailing CRC_32 field, it yields 0 for an intact section.
public enum MPEGCRC32 {
    @usableFromInline
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index) << 24
        for _ in 0..<8 {
            crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1
        }
        return crc
    }

    /// The CRC of `count` bytes of `bytes` from `start`; the range must lie inside the array.
    @inlinable
    public static func checksum(_ bytes: [UInt8], from start: Int, count: Int) -> UInt32 {
        precondition(start >= 0 && count >= 0 && count <= bytes.count - start, "MPEGCRC32 range out of bounds")
        var crc: UInt32 = 0xFFFF_FFFF
        for index in start..<(start + count) {
            crc = (crc << 8) ^ table[Int((crc >> 24) ^ UInt32(bytes[index]))]
        }
        return crc
    }
}
