/// A fuzz input read front to back as a little program: bytes, integers and choices.
///
/// Reading past the end yields zeros, so every input, however short, is a complete program; ``isAtEnd`` tells a
/// harness when to stop. Integers are little-endian.
public struct FuzzInput {
    /// The whole input.
    public let bytes: [UInt8]
    /// How many bytes have been read (it passes `bytes.count` once reads run past the end).
    public private(set) var offset = 0

    /// An input to read from the start.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= bytes.count }
    /// Bytes not read yet.
    public var remaining: Int { max(bytes.count - offset, 0) }

    /// The next byte (0 past the end).
    public mutating func u8() -> UInt8 {
        defer { offset += 1 }
        return offset < bytes.count ? bytes[offset] : 0
    }

    /// The next 2, 4 or 8 bytes as a little-endian integer.
    public mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }
    /// See ``u16()``.
    public mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }
    /// See ``u16()``.
    public mutating func u64() -> UInt64 { UInt64(u32()) | UInt64(u32()) << 32 }
    /// The lowest bit of the next byte.
    public mutating func bool() -> Bool { u8() & 1 == 1 }

    /// A number in `0 ..< count` (count > 0) from one byte, two when `count` exceeds 256, four beyond 65,536.
    public mutating func below(_ count: Int) -> Int {
        precondition(count > 0)
        if count <= 256 { return Int(u8()) % count }
        if count <= 65_536 { return Int(u16()) % count }
        return Int(u32()) % count
    }

    /// One of `choices` (not empty).
    public mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }

    /// The next `count` bytes (fewer at the end of the input).
    public mutating func take(_ count: Int) -> [UInt8] {
        let start = min(offset, bytes.count)
        let end = min(start + max(count, 0), bytes.count)
        offset = max(offset, start) + max(count, 0)
        return Array(bytes[start..<end])
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] { take(remaining) }
}
