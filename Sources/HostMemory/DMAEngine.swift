import SimCore

/// The device's path to host memory: every read and write the NIC makes (descriptor fetches, payload reads,
/// write-backs) goes through here.
///
/// Mirrors the bus-master DMA interface of a PCIe device. It counts what it does; a fault is counted, remembered in
/// ``lastFault`` and rethrown for the device to turn into state (descriptor error, counter, fault interrupt).
///
/// ## Device addresses
///
/// Without an ``IOMMU`` a device address is a physical address. With one (``init(memory:iommu:)``), the same
/// ``PhysicalAddress`` argument carries an I/O virtual address: its `rawValue` is translated page by page, so a
/// transfer crossing pages translates each page and may land on scattered frames. The whole transfer is translated
/// and range-checked before a byte moves, so a fault leaves memory (and the caller's buffer) unchanged.
///
/// ## Translation latency
///
/// IOTLB misses cost virtual time the engine cannot spend itself. It adds the latency of every transfer's misses
/// (faulting transfers included) to ``addedLatency``; after each transfer, or each batch of transfers that share
/// one completion time, the device calls ``takeAddedLatency()`` and adds the result to its DMA time. Without an
/// IOMMU the added latency is always zero.
public final class DMAEngine: LittleEndianAccess {
    /// Counts of the engine's transfers.
    public struct Counters: Hashable, Sendable {
        /// Successful read transfers (device reads host memory), integer reads included.
        public var reads: UInt64
        /// Successful write transfers (device writes host memory), integer writes included.
        public var writes: UInt64
        /// Bytes moved by successful reads.
        public var bytesRead: UInt64
        /// Bytes moved by successful writes.
        public var bytesWritten: UInt64
        /// Transfers refused with a ``MemoryFault``.
        public var faults: UInt64

        /// Creates counters with the given values, all zero by default.
        @inlinable
        public init(
            reads: UInt64 = 0, writes: UInt64 = 0, bytesRead: UInt64 = 0, bytesWritten: UInt64 = 0,
            faults: UInt64 = 0
        ) {
            self.reads = reads
            self.writes = writes
            self.bytesRead = bytesRead
            self.bytesWritten = bytesWritten
            self.faults = faults
        }
    }

    /// The memory the device reaches.
    public let memory: PhysicalMemory

    /// The IOMMU every device address goes through, or nil when the device reaches physical memory directly.
    public let iommu: IOMMU?

    /// Picoseconds of virtual time that IOTLB misses added since the last ``takeAddedLatency()``.
    public var addedLatency: SimDuration { _addedLatency }

    /// The engine's counters.
    public var counters: Counters { _counters }

    /// The most recent fault, if any.
    public var lastFault: MemoryFault? { _lastFault }

    @usableFromInline var _counters = Counters()
    @usableFromInline var _lastFault: MemoryFault?
    @usableFromInline var _addedLatency = SimDuration.zero
    /// The physical pieces of the transfer being translated; reused, so it allocates only when a transfer touches
    /// more pages than any before.
    @usableFromInline var _pieces: [PhysicalRange] = []
    /// ``iommu`` unretained, for the per-transfer path.
    @usableFromInline let unretainedIOMMU: Unretained<IOMMU>?

    /// Creates an engine that reaches `memory` directly or, when `iommu` is given, through it.
    ///
    /// - Parameters:
    ///   - memory: The host's physical memory.
    ///   - iommu: The IOMMU translating the device's addresses, or nil for none.
    public init(memory: PhysicalMemory, iommu: IOMMU? = nil) {
        self.memory = memory
        self.iommu = iommu
        self.unretainedIOMMU = iommu.map { Unretained($0) }
        if iommu != nil { _pieces.reserveCapacity(32) }
    }

    /// Returns the translation latency added since the last call (``addedLatency``) and resets it to zero.
    ///
    /// The device calls it after each transfer or batch and adds the result to the transfer's DMA time.
    public func takeAddedLatency() -> SimDuration {
        defer { _addedLatency = .zero }
        return _addedLatency
    }

    /// Reads `count` bytes at `address` into `destination[offset..<offset + count]` (a device read request).
    ///
    /// - Precondition: `destination` has room (the device model's own buffer).
    /// - Throws: The faults of ``PhysicalMemory/check(_:length:)``, and with an IOMMU those of
    ///   ``IOMMU/translate(_:length:access:into:)`` first.
    public func read(
        _ address: PhysicalAddress, count: Int, into destination: inout [UInt8], at offset: Int
    ) throws(MemoryFault) {
        do throws(MemoryFault) {
            let translated = try forEachPiece(
                address, count: count, access: .read, offset: offset, room: destination.count, "destination too small"
            ) { physical, at, length in
                memory.readUnchecked(physical, count: length, into: &destination, at: at)
            }
            if !translated { try memory.read(address, count: count, into: &destination, at: offset) }
        } catch {
            throw recordFault(error)
        }
        countRead(count)
    }

    /// Writes `source[offset..<offset + count]` to `address` (a device write request).
    ///
    /// - Precondition: `source` holds the bytes (the device model's own buffer).
    /// - Throws: The faults of ``PhysicalMemory/check(_:length:)``, and with an IOMMU those of
    ///   ``IOMMU/translate(_:length:access:into:)`` first.
    public func write(
        _ address: PhysicalAddress, from source: [UInt8], at offset: Int, count: Int
    ) throws(MemoryFault) {
        do throws(MemoryFault) {
            let translated = try forEachPiece(
                address, count: count, access: .write, offset: offset, room: source.count, "source too small"
            ) { physical, at, length in
                memory.writeUnchecked(physical, from: source, at: at, count: length)
            }
            if !translated { try memory.write(address, from: source, at: offset, count: count) }
        } catch {
            throw recordFault(error)
        }
        countWrite(count)
    }

    /// Reads a `T` stored little-endian at `address` (``LittleEndianAccess``), through the IOMMU when there is one.
    @inlinable
    public func loadLittleEndian<T: FixedWidthInteger & UnsignedInteger>(
        _ address: PhysicalAddress, as type: T.Type
    ) throws(MemoryFault) -> T {
        let value: T
        do throws(MemoryFault) {
            if let iommu {
                try translate(address, length: MemoryLayout<T>.size, access: .read, through: iommu)
                if _pieces.count == 1 {
                    value = try memory.loadLittleEndian(_pieces[0].address, as: T.self)
                } else {
                    // Split across frames that are not adjacent: gather byte by byte, low byte first.
                    var gathered: T = 0
                    var shift = 0
                    for piece in _pieces {
                        for byte in 0..<piece.length {
                            gathered |= T(memory.byteUnchecked(piece.address.rawValue + UInt64(byte))) << shift
                            shift += 8
                        }
                    }
                    value = gathered
                }
            } else {
                value = try memory.loadLittleEndian(address, as: T.self)
            }
        } catch {
            throw recordFault(error)
        }
        countRead(MemoryLayout<T>.size)
        return value
    }

    /// Writes `value` little-endian at `address` (``LittleEndianAccess``), through the IOMMU when there is one.
    @inlinable
    public func storeLittleEndian<T: FixedWidthInteger & UnsignedInteger>(
        _ address: PhysicalAddress, _ value: T
    ) throws(MemoryFault) {
        do throws(MemoryFault) {
            if let iommu {
                try translate(address, length: MemoryLayout<T>.size, access: .write, through: iommu)
                if _pieces.count == 1 {
                    try memory.storeLittleEndian(_pieces[0].address, value)
                } else {
                    // Split across frames that are not adjacent: scatter byte by byte, low byte first.
                    var shift = 0
                    for piece in _pieces {
                        for byte in 0..<piece.length {
                            try memory.storeLittleEndian(
                                piece.address.advanced(by: byte), UInt8(truncatingIfNeeded: value >> shift))
                            shift += 8
                        }
                    }
                }
            } else {
                try memory.storeLittleEndian(address, value)
            }
        } catch {
            throw recordFault(error)
        }
        countWrite(MemoryLayout<T>.size)
    }

    /// Translates the device range [`address`, `address + count`) through the IOMMU and hands `body` each
    /// physical piece in order: its physical address, where it starts in the caller's buffer (from `offset`) and
    /// its length. The caller's buffer, `room` bytes long (read only after translating, as the check needs it),
    /// must hold the range from `offset` (`tooSmall` says which buffer). False, touching nothing, without an
    /// IOMMU: the caller goes to physical memory directly.
    ///
    /// Device reads and writes share it, so both translate, check and split a transfer the same way.
    @inline(__always)
    func forEachPiece(
        _ address: PhysicalAddress, count: Int, access: IOMMU.Access, offset: Int, room: @autoclosure () -> Int,
        _ tooSmall: StaticString, _ body: (_ physical: UInt64, _ at: Int, _ length: Int) -> Void
    ) throws(MemoryFault) -> Bool {
        if iommu != nil, let physical = try translateWithinPage(address, length: count, access: access) {
            precondition(offset >= 0 && count <= room() - offset, "\(tooSmall)")
            body(physical.rawValue, offset, count)
        } else if let iommu {
            try translate(address, length: count, access: access, through: iommu)
            precondition(offset >= 0 && count <= room() - offset, "\(tooSmall)")
            var done = offset
            for i in 0..<_pieces.count {
                let piece = _pieces[i]
                body(piece.address.rawValue, done, piece.length)
                done += piece.length
            }
        } else {
            return false
        }
        return true
    }

    /// The physical address of a transfer that stays inside one page, translated through the IOMMU (which must be
    /// there) and checked against physical memory; nil for an empty transfer or one that crosses a page, which
    /// ``translate(_:length:access:through:)`` handles.
    ///
    /// The same translation, counters, faults and miss latency as the general path, without a piece list: most
    /// transfers (descriptors, headers, payloads of one packet) stay inside a page.
    @usableFromInline
    func translateWithinPage(
        _ address: PhysicalAddress, length: Int, access: IOMMU.Access
    ) throws(MemoryFault) -> PhysicalAddress? {
        let within = address.rawValue & Page.offsetMask
        guard length > 0, within + UInt64(length) <= UInt64(Page.size), let unit = unretainedIOMMU else { return nil }
        _ = try MemoryFault.checkRange(address.rawValue, length: length, limit: IOMMU.addressLimit)
        // The IOMMU is reached unretained (``iommu`` keeps it alive): a retain and release per transfer saved.
        let translated: Result<PageTableEntry, MemoryFault> = unit.withObject { iommu in
            let missesBefore = iommu._counters.misses
            defer { _addedLatency = _addedLatency + iommu.latency(ofMisses: iommu._counters.misses &- missesBefore) }
            do throws(MemoryFault) {
                let (entry, _) = try iommu.translate(
                    page: address.rawValue >> UInt64(Page.shift), access: access, faultAddress: address.rawValue,
                    length: length)
                return .success(entry)
            } catch {
                return .failure(error)
            }
        }
        let physical = PhysicalAddress(rawValue: try translated.get().frameAddress | within)
        do throws(MemoryFault) {
            try memory.check(physical, length: length)
        } catch {
            throw MemoryFault(code: error.code, address: error.address, length: length)
        }
        return physical
    }

    /// Translates the device range [`address`, `address + length`) through `iommu` into ``_pieces`` and checks every
    /// piece against physical memory, adding the misses' latency to ``addedLatency`` even when it throws.
    ///
    /// A physical fault (a mapping to a frame no allocator handed out) carries the physical address of the first
    /// bad byte and the transfer's length.
    @usableFromInline
    func translate(
        _ address: PhysicalAddress, length: Int, access: IOMMU.Access, through iommu: IOMMU
    ) throws(MemoryFault) {
        let missesBefore = iommu._counters.misses
        defer { _addedLatency = _addedLatency + iommu.latency(ofMisses: iommu._counters.misses &- missesBefore) }
        _pieces.removeAll(keepingCapacity: true)
        try iommu.translate(
            IOVirtualAddress(rawValue: address.rawValue), length: length, access: access, into: &_pieces)
        for i in 0..<_pieces.count {
            let piece = _pieces[i]
            do throws(MemoryFault) {
                try memory.check(piece.address, length: piece.length)
            } catch {
                // Keep the physical address of the bad byte, but report the length the device asked for.
                throw MemoryFault(code: error.code, address: error.address, length: length)
            }
        }
    }

    @inlinable
    func countRead(_ bytes: Int) {
        _counters.reads &+= 1
        _counters.bytesRead &+= UInt64(bytes)
    }

    @inlinable
    func countWrite(_ bytes: Int) {
        _counters.writes &+= 1
        _counters.bytesWritten &+= UInt64(bytes)
    }

    /// Counts and remembers a fault, returning it for rethrowing.
    @usableFromInline
    func recordFault(_ fault: MemoryFault) -> MemoryFault {
        _counters.faults &+= 1
        _lastFault = fault
        return fault
    }
}
