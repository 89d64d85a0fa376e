extension AddressSpace {
    /// Reads `count` bytes at virtual `address` into `destination[offset..<offset + count]`, through the page table
    /// as the CPU would. Not counted as page walks; allocates nothing.
    ///
    /// - Precondition: `destination` has room for `count` bytes at `offset`.
    /// - Throws: Range faults, ``MemoryFault/Code/unmappedVirtual``, or ``MemoryFault/Code/unmappedPhysical`` for a
    ///   page mapped to an unallocated frame; on a fault `destination` is unchanged.
    @inlinable
    public func read(
        _ address: VirtualAddress, count: Int, into destination: inout [UInt8], at offset: Int
    ) throws(MemoryFault) {
        let end = try validate(address.rawValue, length: count, writing: false)
        precondition(offset >= 0 && count <= destination.count - offset, "destination too small")
        forEachPhysicalRun(from: address.rawValue, to: end) { physical, done, chunk in
            memory.readUnchecked(physical, count: chunk, into: &destination, at: offset + done)
        }
    }

    /// Writes `source[offset..<offset + count]` to virtual `address` through the page table, as the application
    /// writing its data. Not counted as page walks; allocates nothing once the frames have storage.
    ///
    /// - Precondition: `source` holds `count` bytes at `offset`.
    /// - Throws: Range faults, ``MemoryFault/Code/unmappedVirtual``, ``MemoryFault/Code/notWritable`` for a
    ///   read-only page, or ``MemoryFault/Code/unmappedPhysical``; on a fault memory is unchanged.
    @inlinable
    public func write(
        _ address: VirtualAddress, from source: [UInt8], at offset: Int, count: Int
    ) throws(MemoryFault) {
        let end = try validate(address.rawValue, length: count, writing: true)
        precondition(offset >= 0 && count <= source.count - offset, "source too small")
        forEachPhysicalRun(from: address.rawValue, to: end) { physical, done, chunk in
            memory.writeUnchecked(physical, from: source, at: offset + done, count: chunk)
        }
    }

    /// Copies `count` bytes from virtual memory to physical memory: the CPU copy of application data into a driver
    /// buffer (the copy path). No intermediate buffer; not counted as page walks.
    ///
    /// If the source pages and the destination share physical bytes, the result is that of copying page by page in
    /// address order.
    ///
    /// - Throws: The faults of ``read(_:count:into:at:)`` for the source and of ``PhysicalMemory/check(_:length:)``
    ///   for the destination; on a fault memory is unchanged.
    @inlinable
    public func copy(from address: VirtualAddress, toPhysical destination: PhysicalAddress, count: Int)
        throws(MemoryFault)
    {
        let end = try validate(address.rawValue, length: count, writing: false)
        try memory.check(destination, length: count)
        forEachPhysicalRun(from: address.rawValue, to: end) { physical, done, chunk in
            memory.copyUnchecked(from: physical, to: destination.rawValue + UInt64(done), count: chunk)
        }
    }

    /// Whether every byte of [`address`, `address + length`) is mapped (and, if `writable`, writable) to allocated
    /// physical memory: the check a kernel makes on a user buffer (`access_ok` plus the mapping) before accepting a
    /// system call. Not counted as page walks; a bad range is simply false. A zero length is true for any range
    /// that passes the range check.
    @inlinable
    public func isMapped(_ address: VirtualAddress, length: Int, writable: Bool = false) -> Bool {
        (try? validate(address.rawValue, length: length, writing: writable)) != nil
    }

    /// Calls `body` for each piece of the validated virtual range [`start`, `end`) that lies in one page, in address
    /// order: the piece's physical address, the bytes before it in the range, and its length.
    @inlinable
    func forEachPhysicalRun(from start: UInt64, to end: UInt64, _ body: (UInt64, Int, Int) -> Void) {
        var current = start
        var done = 0
        while current < end {
            let within = current & Page.offsetMask
            let chunk = Int(min(end - current, UInt64(Page.size) - within))
            body(entry(forPage: current >> UInt64(Page.shift)).frameAddress | within, done, chunk)
            done += chunk
            current += UInt64(chunk)
        }
    }

    /// Checks a CPU access before any byte moves: the range, then every page's mapping, permission and frame.
    /// Returns the end of the range.
    @inlinable
    func validate(_ address: UInt64, length: Int, writing: Bool) throws(MemoryFault) -> UInt64 {
        let end = try MemoryFault.checkRange(address, length: length, limit: Self.limit)
        guard end > address else { return end }
        var page = address >> UInt64(Page.shift)
        let last = (end - 1) >> UInt64(Page.shift)
        while page <= last {
            let entry = entry(forPage: page)
            let faultAddress = max(address, page << UInt64(Page.shift))
            guard entry.isPresent else {
                throw MemoryFault(code: .unmappedVirtual, address: faultAddress, length: length)
            }
            guard !writing || entry.isWritable else {
                throw MemoryFault(code: .notWritable, address: faultAddress, length: length)
            }
            guard memory.isAllocated(frame: Int(entry.frameAddress >> UInt64(Page.shift))) else {
                let physical = entry.frameAddress | (faultAddress & Page.offsetMask)
                throw MemoryFault(code: .unmappedPhysical, address: physical, length: length)
            }
            page += 1
        }
        return end
    }
}
