/// A small Protocol Buffers encoder: appends fields to one reusable byte array, the wire format of
/// protobuf.dev/programming-guides/encoding (varints, fixed64, length-delimited fields).
///
/// Nested messages are written in place: ``beginMessage(_:)`` leaves room for a length, ``endMessage(_:)`` writes
/// it and closes the gap when the message turned out short, so encoding a message allocates nothing once the
/// array has grown to the largest batch. Used by ``PerfettoTrace``; it knows no schema (callers pass field numbers).
struct ProtobufWriter {
    /// The encoded bytes so far.
    var bytes: [UInt8] = []

    /// Wire types (the low three bits of a field's key).
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2
    }

    /// Room left for a nested message's length: four varint bytes hold lengths below 2^28.
    static let lengthRoom = 4

    mutating func key(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// An unsigned integer field (uint32, uint64, enum, bool).
    mutating func uint(_ field: Int, _ value: UInt64) {
        key(field, .varint)
        varint(value)
    }

    /// A signed integer field of type int32 or int64 (two's complement, ten bytes when negative).
    mutating func int(_ field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, .fixed64)
        var v = value
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    mutating func string(_ field: Int, _ value: String) {
        key(field, .lengthDelimited)
        var copy = value
        copy.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Opens a nested message in field `field`; returns the mark ``endMessage(_:)`` takes.
    mutating func beginMessage(_ field: Int) -> Int {
        key(field, .lengthDelimited)
        let mark = bytes.count
        for _ in 0..<Self.lengthRoom { bytes.append(0) }
        return mark
    }

    /// Closes the nested message opened at `mark`: writes its length in the fewest bytes and moves its content
    /// down over the room not needed.
    mutating func endMessage(_ mark: Int) {
        let start = mark + Self.lengthRoom
        let length = bytes.count - start
        precondition(length < 1 << 28, "a protobuf message outgrew its length room")
        var lengthBytes = 1
        while length >> (7 * lengthBytes) != 0 { lengthBytes += 1 }
        var v = length
        for i in 0..<lengthBytes {
            bytes[mark + i] = UInt8(truncatingIfNeeded: v & 0x7F) | (i + 1 < lengthBytes ? 0x80 : 0)
            v >>= 7
        }
        let gap = Self.lengthRoom - lengthBytes
        guard gap > 0 else { return }
        // The destination lies before the source: a forward copy never reads a byte it already overwrote.
        for i in 0..<length { bytes[mark + lengthBytes + i] = bytes[start + i] }
        bytes.removeLast(gap)
    }

    /// Empties the array, keeping its storage.
    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}
