/// A process's virtual address space: a page table mapping 4 KiB virtual pages to physical frames of one
/// ``PhysicalMemory``.
///
/// Mirrors a Linux process's user address space (`mm_struct` and its page tables). User addresses lie below
/// ``limit`` (2^47, the top of the x86-64 lower canonical half). ``allocate(bytes:startOffset:writable:)`` maps
/// buffers upward from ``allocationBase`` with one unmapped guard page after each buffer, so running off the end of
/// a buffer faults.
///
/// Two kinds of access are modelled:
/// - The driver's translation of a buffer for DMA (``translate(_:)``, ``physicalPieces(of:length:into:)``): a
///   software page walk, counted one per page in ``pageWalks``.
/// - CPU access by the application or the kernel's copy path (``read(_:count:into:at:)``,
///   ``write(_:from:at:count:)``, ``copy(from:toPhysical:count:)``): the MMU with its TLB, not counted as walks.
///
/// Page lookups never allocate: pages near ``allocationBase`` live in a flat array, anything else mapped by
/// ``map(page:to:writable:)`` in a dictionary.
public final class AddressSpace {
    /// The physical memory this address space's pages map into.
    public let memory: PhysicalMemory

    /// An identifier chosen by the creator (a process id), used in reports.
    public let id: Int

    /// Software page walks done by ``translate(_:)``, ``physicalPieces(of:length:into:)`` and translation buffer
    /// registrations: one per page looked up, including a lookup that faults.
    public var pageWalks: UInt64 { _pageWalks }

    /// The first virtual address ``allocate(bytes:startOffset:writable:)`` hands out: `0x1000_0000`.
    @inlinable public static var allocationBase: VirtualAddress { VirtualAddress(rawValue: 0x1000_0000) }

    /// One past the highest user virtual address: 2^47 bytes. Ranges reaching beyond it are
    /// ``MemoryFault/Code/outOfRange``.
    @inlinable public static var limit: UInt64 { 1 << 47 }

    @usableFromInline var _pageWalks: UInt64 = 0
    /// Entries for the pages from `allocationBase` upward, indexed by page number minus `densePageBase`.
    @usableFromInline var dense: [PageTableEntry] = []
    /// Entries for mapped pages outside the dense window.
    @usableFromInline var sparse: [UInt64: PageTableEntry] = [:]
    /// The page number of the next buffer ``allocate(bytes:startOffset:writable:)`` hands out.
    var nextPage: UInt64

    @inlinable static var densePageBase: UInt64 { allocationBase.rawValue >> UInt64(Page.shift) }
    /// Pages of the dense window: 2^24 pages, 64 GiB of virtual space.
    @inlinable static var densePageCount: UInt64 { 1 << 24 }

    /// Creates an empty address space over `memory`.
    public init(memory: PhysicalMemory, id: Int) {
        self.memory = memory
        self.id = id
        self.nextPage = Self.densePageBase
    }

    /// Pages currently mapped.
    public var mappedPages: Int {
        dense.reduce(0) { $0 + ($1.isPresent ? 1 : 0) } + sparse.count
    }

    /// Maps fresh scattered frames for a buffer of `bytes` bytes that starts `startOffset` bytes into its first page,
    /// and returns the buffer's virtual address (page-aligned plus `startOffset`).
    ///
    /// Frames come from ``PhysicalMemory/allocateFrame()``, so consecutive pages of the buffer are not physically
    /// adjacent. An unmapped guard page follows the buffer.
    ///
    /// - Parameters:
    ///   - bytes: The buffer's size in bytes; must be positive.
    ///   - startOffset: Where the buffer starts within its first page, 0..<4096.
    ///   - writable: Whether the application may write the pages.
    /// - Throws: ``MemoryFault/Code/badLength`` for a bad size or offset, ``MemoryFault/Code/outOfMemory`` when
    ///   physical frames or virtual space run out (nothing is mapped then).
    public func allocate(bytes: Int, startOffset: Int = 0, writable: Bool = true) throws(MemoryFault) -> VirtualAddress
    {
        let first = nextPage << UInt64(Page.shift)
        guard bytes > 0 && startOffset >= 0 && startOffset < Page.size else {
            throw MemoryFault(code: .badLength, address: first, length: bytes)
        }
        let (span, overflow) = bytes.addingReportingOverflow(startOffset)
        guard !overflow else {
            throw MemoryFault(code: .badLength, address: first, length: bytes)
        }
        let pages = Page.count(forBytes: span)
        let limitPage = Self.limit >> UInt64(Page.shift)
        guard UInt64(pages) < limitPage - nextPage, pages <= memory.framesFree else {
            throw MemoryFault(code: .outOfMemory, address: first, length: bytes)
        }
        for index in 0..<pages {
            let frame = try memory.allocateFrame()
            map(page: VirtualAddress(rawValue: first + UInt64(index << Page.shift)), to: frame, writable: writable)
        }
        nextPage += UInt64(pages) + 1
        return VirtualAddress(rawValue: first + UInt64(startOffset))
    }

    /// Maps the virtual page at `page` to the physical frame at `frame`, replacing any earlier mapping.
    ///
    /// - Precondition: Both addresses are page-aligned, `page` is below ``limit`` and `frame` below the memory's
    ///   size (our own code calls this, never the guest).
    public func map(page: VirtualAddress, to frame: PhysicalAddress, writable: Bool) {
        precondition(page.isPageAligned && frame.isPageAligned, "map needs page-aligned addresses")
        precondition(page.rawValue < Self.limit, "virtual page beyond the user address space")
        precondition(frame.rawValue < memory.size, "frame beyond physical memory")
        let number = page.rawValue >> UInt64(Page.shift)
        let entry = PageTableEntry(frame: frame, writable: writable)
        let index = number &- Self.densePageBase
        if number >= Self.densePageBase && index < Self.densePageCount {
            if index >= UInt64(dense.count) {
                dense.append(contentsOf: repeatElement(.empty, count: Int(index) - dense.count + 1))
            }
            dense[Int(index)] = entry
        } else {
            sparse[number] = entry
        }
    }

    /// The page table entry for virtual page number `number` (empty when unmapped). Allocates nothing.
    @inlinable @inline(__always)
    func entry(forPage number: UInt64) -> PageTableEntry {
        let index = number &- Self.densePageBase
        if index < UInt64(dense.count) { return dense[Int(index)] }
        if sparse.isEmpty { return .empty }
        return sparse[number] ?? .empty
    }

    /// One counted page walk: the physical address of virtual page number `number`'s frame.
    ///
    /// - Parameters:
    ///   - faultAddress: The virtual address to report if the page is unmapped.
    ///   - length: The length of the access, for the fault.
    @inlinable
    func walk(page number: UInt64, faultAddress: UInt64, length: Int) throws(MemoryFault) -> UInt64 {
        _pageWalks &+= 1
        let entry = entry(forPage: number)
        guard entry.isPresent else {
            throw MemoryFault(code: .unmappedVirtual, address: faultAddress, length: length)
        }
        return entry.frameAddress
    }

    /// Translates one virtual address to the physical address of the same byte with one page walk.
    ///
    /// - Throws: ``MemoryFault/Code/unmappedVirtual`` when its page is unmapped, ``MemoryFault/Code/outOfRange`` at
    ///   or beyond ``limit``.
    @inlinable
    public func translate(_ address: VirtualAddress) throws(MemoryFault) -> PhysicalAddress {
        _ = try MemoryFault.checkRange(address.rawValue, length: 1, limit: Self.limit)
        let frame = try walk(
            page: address.rawValue >> UInt64(Page.shift), faultAddress: address.rawValue, length: 1)
        return PhysicalAddress(rawValue: frame | (address.rawValue & Page.offsetMask))
    }

    /// Splits [`address`, `address + length`) into physically contiguous pieces and appends them to `pieces`: the
    /// scatter-gather list a driver hands to a device.
    ///
    /// Pieces break at page boundaries, except that pages whose frames happen to be physically adjacent merge into
    /// one piece. One page walk is counted per page. A zero length appends nothing. The caller clears and reuses
    /// `pieces`; nothing is allocated when it has capacity.
    ///
    /// - Throws: The range faults of ``MemoryFault`` or ``MemoryFault/Code/unmappedVirtual``; on a fault `pieces` is
    ///   left as it was (walks done before the fault stay counted).
    @inlinable
    public func physicalPieces(
        of address: VirtualAddress, length: Int, into pieces: inout [PhysicalRange]
    ) throws(MemoryFault) {
        _ = try MemoryFault.checkRange(address.rawValue, length: length, limit: Self.limit)
        let firstNew = pieces.count
        for piece in Page.pieces(address.rawValue, count: length) {
            let frame: UInt64
            do {
                frame = try walk(page: piece.page, faultAddress: piece.address, length: length)
            } catch {
                pieces.removeSubrange(firstNew...)
                throw error
            }
            PhysicalRange.appendMerging(
                frame | UInt64(piece.within), length: piece.count, to: &pieces, firstNew: firstNew)
        }
    }
}
