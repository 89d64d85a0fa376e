extension PhysicalMemory {
    // MARK: Bulk access

    /// Reads `count` bytes starting at `address` into `destination[offset..<offset + count]`.
    ///
    /// The range may cross frames; frames never written read as zeros. Allocates nothing.
    ///
    /// - Precondition: `destination` has room for `count` bytes at `offset` (the caller's own buffer).
    /// - Throws: The faults of ``check(_:length:)``; on a fault `destination` is unchanged.
    @inlinable
    public func read(
        _ address: PhysicalAddress, count: Int, into destination: inout [UInt8], at offset: Int
    ) throws(MemoryFault) {
        try check(address, length: count)
        precondition(offset >= 0 && count <= destination.count - offset, "destination too small")
        readUnchecked(address.rawValue, count: count, into: &destination, at: offset)
    }

    /// Writes `source[offset..<offset + count]` to memory starting at `address`.
    ///
    /// The range may cross frames. Allocates nothing once every frame written has storage.
    ///
    /// - Precondition: `source` holds `count` bytes at `offset` (the caller's own buffer).
    /// - Throws: The faults of ``check(_:length:)``; on a fault memory is unchanged.
    @inlinable
    public func write(
        _ address: PhysicalAddress, from source: [UInt8], at offset: Int, count: Int
    ) throws(MemoryFault) {
        try check(address, length: count)
        precondition(offset >= 0 && count <= source.count - offset, "source too small")
        writeUnchecked(address.rawValue, from: source, at: offset, count: count)
    }

    /// Copies `count` bytes from `source` to `destination` inside physical memory, like `memmove`: overlapping
    /// ranges give the result of copying through a temporary buffer. Allocates nothing.
    ///
    /// - Throws: The faults of ``check(_:length:)`` for either range; on a fault memory is unchanged.
    @inlinable
    public func copy(from source: PhysicalAddress, to destination: PhysicalAddress, count: Int) throws(MemoryFault) {
        try check(source, length: count)
        try check(destination, length: count)
        copyUnchecked(from: source.rawValue, to: destination.rawValue, count: count)
    }

    /// Sets `count` bytes starting at `address` to `value`, like `memset`.
    ///
    /// - Throws: The faults of ``check(_:length:)``; on a fault memory is unchanged.
    @inlinable
    public func fill(_ address: PhysicalAddress, count: Int, value: UInt8) throws(MemoryFault) {
        try check(address, length: count)
        for piece in Page.pieces(address.rawValue, count: count) {
            let frame = Int(piece.page)
            if value != 0 || slot(ofFrame: frame) >= 0 {
                let index = backing(ofFrame: frame)
                (storage[index] + piece.within).initializeMemory(as: UInt8.self, repeating: value, count: piece.count)
            }
        }
    }

    // MARK: Little-endian integers

    /// Reads a `T` stored little-endian at `address`; it may cross a frame boundary (``LittleEndianAccess``).
    @inlinable
    public func loadLittleEndian<T: FixedWidthInteger & UnsignedInteger>(
        _ address: PhysicalAddress, as type: T.Type
    ) throws(MemoryFault) -> T {
        let width = MemoryLayout<T>.size
        try check(address, length: width)
        let within = Int(address.rawValue & Page.offsetMask)
        if within + width <= Page.size {
            let index = slot(ofFrame: Int(address.rawValue >> UInt64(Page.shift)))
            guard index >= 0 else { return 0 }
            let frame = UnsafeRawPointer(storage[Int(index)])
            return T(littleEndian: frame.loadUnaligned(fromByteOffset: within, as: T.self))
        }
        var value: T = 0
        for byte in 0..<width {
            value |= T(byteUnchecked(address.rawValue + UInt64(byte))) << (8 * byte)
        }
        return value
    }

    /// Writes `value` little-endian at `address`; it may cross a frame boundary (``LittleEndianAccess``).
    @inlinable
    public func storeLittleEndian<T: FixedWidthInteger & UnsignedInteger>(
        _ address: PhysicalAddress, _ value: T
    ) throws(MemoryFault) {
        let width = MemoryLayout<T>.size
        try check(address, length: width)
        let within = Int(address.rawValue & Page.offsetMask)
        if within + width <= Page.size {
            let index = backing(ofFrame: Int(address.rawValue >> UInt64(Page.shift)))
            storage[index].storeBytes(of: value.littleEndian, toByteOffset: within, as: T.self)
            return
        }
        for byte in 0..<width {
            let part = UInt8(truncatingIfNeeded: value >> (8 * byte))
            let current = address.rawValue + UInt64(byte)
            let index = backing(ofFrame: Int(current >> UInt64(Page.shift)))
            storage[index].storeBytes(of: part, toByteOffset: Int(current & Page.offsetMask), as: UInt8.self)
        }
    }

    // MARK: Unchecked primitives (the range was checked by the caller)

    /// The byte at a checked, allocated `address`.
    @inlinable
    func byteUnchecked(_ address: UInt64) -> UInt8 {
        let index = slot(ofFrame: Int(address >> UInt64(Page.shift)))
        guard index >= 0 else { return 0 }
        return storage[Int(index)].load(fromByteOffset: Int(address & Page.offsetMask), as: UInt8.self)
    }

    /// Reads a checked range frame by frame into `destination`.
    @inlinable
    func readUnchecked(_ address: UInt64, count: Int, into destination: inout [UInt8], at offset: Int) {
        for piece in Page.pieces(address, count: count) {
            let chunk = piece.count
            let target = offset + piece.offset
            let index = slot(ofFrame: Int(piece.page))
            if index >= 0 {
                let source = UnsafeRawPointer(storage[Int(index)] + piece.within)
                destination.withUnsafeMutableBytes { bytes in
                    UnsafeMutableRawBufferPointer(rebasing: bytes[target..<(target + chunk)])
                        .copyMemory(from: UnsafeRawBufferPointer(start: source, count: chunk))
                }
            } else {
                destination.withUnsafeMutableBytes { bytes in
                    _ = UnsafeMutableRawBufferPointer(rebasing: bytes[target..<(target + chunk)])
                        .initializeMemory(as: UInt8.self, repeating: 0)
                }
            }
        }
    }

    /// Writes a checked range frame by frame from `source`.
    @inlinable
    func writeUnchecked(_ address: UInt64, from source: [UInt8], at offset: Int, count: Int) {
        for piece in Page.pieces(address, count: count) {
            let chunk = piece.count
            let origin = offset + piece.offset
            let index = backing(ofFrame: Int(piece.page))
            let target = storage[index] + piece.within
            source.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(start: target, count: chunk)
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[origin..<(origin + chunk)]))
            }
        }
    }

    /// Copies between two checked ranges with `memmove` semantics, in pieces that stay inside one frame on both
    /// sides; walks backwards when the destination overlaps the source from above.
    @inlinable
    func copyUnchecked(from source: UInt64, to destination: UInt64, count: Int) {
        let size = UInt64(Page.size)
        if destination > source && destination - source < UInt64(count) {
            var remaining = count
            while remaining > 0 {
                let sourceEnd = source + UInt64(remaining)
                let destinationEnd = destination + UInt64(remaining)
                let chunk = min(
                    remaining, Int((sourceEnd - 1) & Page.offsetMask) + 1,
                    Int((destinationEnd - 1) & Page.offsetMask) + 1)
                remaining -= chunk
                copyWithinFrames(
                    from: source + UInt64(remaining), to: destination + UInt64(remaining), count: chunk)
            }
        } else {
            var done = 0
            while done < count {
                let from = source + UInt64(done)
                let to = destination + UInt64(done)
                let chunk = min(
                    count - done, Int(size - (from & Page.offsetMask)), Int(size - (to & Page.offsetMask)))
                copyWithinFrames(from: from, to: to, count: chunk)
                done += chunk
            }
        }
    }

    /// Copies `count` bytes where neither range crosses a frame boundary.
    @inlinable
    func copyWithinFrames(from source: UInt64, to destination: UInt64, count: Int) {
        let sourceWithin = Int(source & Page.offsetMask)
        let destinationWithin = Int(destination & Page.offsetMask)
        let sourceIndex = slot(ofFrame: Int(source >> UInt64(Page.shift)))
        let destinationFrame = Int(destination >> UInt64(Page.shift))
        guard sourceIndex >= 0 else {
            // The source reads as zeros; a destination without storage already does too.
            guard slot(ofFrame: destinationFrame) >= 0 else { return }
            let index = backing(ofFrame: destinationFrame)
            (storage[index] + destinationWithin).initializeMemory(as: UInt8.self, repeating: 0, count: count)
            return
        }
        let destination = backing(ofFrame: destinationFrame)
        // Raw-pointer copies may overlap (memmove), which covers a copy within one frame.
        (storage[destination] + destinationWithin).copyMemory(
            from: UnsafeRawPointer(storage[Int(sourceIndex)] + sourceWithin), byteCount: count)
    }
}
