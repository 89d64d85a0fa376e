import SimCore

#if canImport(Glibc)
import Glibc
#endif

/// Sparse physical memory: a physical address space of ``size`` bytes, backed by 4 KiB frames handed out by a
/// frame allocator.
///
/// Mirrors a host's RAM as the memory controller and DMA see it. Only frames the allocator has handed out may be
/// accessed; touching anything else is a ``MemoryFault``, never a trap. Bytes are stored lazily: an allocated frame
/// reads as zeros and gets 4 KiB of storage the first time something writes to it, so a scenario can give a host
/// gigabytes of address space and pay only for what it writes.
///
/// ## Frame allocation
///
/// Two allocators share the frames, as a kernel's page allocator and its contiguous (CMA-like) allocator do:
/// - ``allocateFrame()`` hands out single frames for application pages, working up from the bottom in zones of
///   1024 frames (4 MiB). Within a zone the order is the permutation `start + k × stride (mod n)` with `stride`
///   (coprime to `n`, never ±1) and `start` drawn from ``seed``, skipping frames already taken. So successive
///   frames are not physically adjacent (a fragmented machine), and the order is the same on every run with the
///   same seed. After the last zone it wraps to the bottom to pick up what the contiguous allocator left.
/// - ``allocateContiguous(bytes:alignment:)`` hands out physically contiguous, aligned runs (descriptor rings,
///   driver buffers), searching down from the top.
///
/// Frames are never freed: a simulated run allocates its buffers up front and keeps them.
///
/// Single-threaded, like every long-lived component of the simulator.
public final class PhysicalMemory {
    /// The size of the physical address space in bytes: the `size` passed to ``init(size:seed:)`` rounded down to
    /// whole 4 KiB frames.
    public let size: UInt64

    /// The number of 4 KiB frames in the address space (`size / 4096`).
    public let frameCount: Int

    /// The seed the scattered frame order derives from.
    public let seed: UInt64

    /// Frames handed out by either allocator so far.
    public var framesInUse: Int { _framesInUse }

    /// Frames that have been written to and so hold 4 KiB of real storage (at most ``framesInUse``).
    public var backedFrames: Int { storage.count }

    // MARK: Frame table
    //
    // Two levels: `directory` has one entry per group of 1024 frames (4 MiB) holding the index of that group's
    // block of 1024 entries in `slots`, or -1 when no frame of the group was ever allocated. A slot holds the
    // index of the frame's bytes in `storage`, or `unallocatedSlot` / `zeroSlot`.

    @usableFromInline var directory: [Int32]
    @usableFromInline var slots: [Int32] = []
    /// The 4 KiB of each frame that has been written, in order of first write; owned here and freed in `deinit`.
    /// Raw pointers rather than arrays: reaching a frame's bytes then costs no reference counting.
    @usableFromInline var storage: [UnsafeMutableRawPointer] = []
    @usableFromInline var _framesInUse = 0

    // MARK: Allocator state

    var random: RandomStream
    /// First frame of the current scattered zone.
    var zoneBase = 0
    /// Frames in the current scattered zone.
    var zoneCount = 0
    /// Step of the permutation through the current zone.
    var zoneStride = 1
    /// Position (relative to `zoneBase`) of the next frame the zone visits.
    var zoneCursor = 0
    /// Positions of the current zone visited so far.
    var zoneVisited = 0
    /// First frame of the next scattered zone.
    var scatterFrontier = 0
    /// Lowest frame handed out by ``allocateContiguous(bytes:alignment:)``; the next search starts below it.
    var contiguousFloor: Int

    /// Creates an empty physical address space of `size` bytes (rounded down to whole frames).
    ///
    /// - Parameters:
    ///   - size: Bytes of physical address space; must hold at least one 4 KiB frame and at most 2^31 frames.
    ///   - seed: The run's seed; fixes the scattered order in which ``allocateFrame()`` hands out frames.
    public init(size: UInt64, seed: UInt64 = 0) {
        let frames = size >> UInt64(Page.shift)
        precondition(frames > 0, "physical memory must hold at least one 4 KiB frame")
        precondition(frames <= UInt64(Int32.max), "physical memory is limited to 2^31 frames")
        self.size = frames << UInt64(Page.shift)
        self.frameCount = Int(frames)
        self.seed = seed
        self.random = RandomStream(seed: seed, name: "HostMemory.PhysicalMemory.frames")
        self.contiguousFloor = Int(frames)
        let groups = (Int(frames) + Self.groupMask) >> Self.groupShift
        self.directory = Array(repeating: -1, count: groups)
    }

    // MARK: Backing store
    //
    // Written frames get their 4 KiB from arenas of the host's memory that double from 64 KiB to 2 MiB. The 2 MiB
    // arenas are 2 MiB-aligned and advised for transparent huge pages, so a world with thousands of buffers reaches
    // them through a few host TLB entries instead of one per frame, and a small world still costs only 64 KiB.
    //
    // Frames lie one cache line more than 4 KiB apart (a colour per frame, as slab allocators colour their
    // objects). Packed at 4 KiB, the first bytes of every frame would share the same few sets of the host's caches
    // (a set is chosen by address bits that repeat every 4 KiB in the first-level cache), so a world whose thousands
    // of buffers all start on a page boundary would stream its payloads through those sets alone, evicting the
    // emulator's own state that happens to map there. A 2 MiB arena then holds 504 frames.

    var arenas: [UnsafeMutableRawPointer] = []
    var arenaNext: UnsafeMutableRawPointer?
    var arenaFramesLeft = 0
    var nextArenaPages = 16
    static let largestArenaPages = 512
    /// Host bytes from one frame's storage to the next within an arena: 4 KiB and one cache line.
    static let frameStride = Page.size + 64

    deinit {
        for arena in arenas { arena.deallocate() }
    }

    /// Storage for one more frame (4 KiB) from the current arena, starting a new arena when it is used up.
    func takeFrameStorage() -> UnsafeMutableRawPointer {
        if arenaFramesLeft == 0 {
            let pages = nextArenaPages
            let bytes = pages * Page.size
            let huge = pages == Self.largestArenaPages
            let arena = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: huge ? bytes : Page.size)
            #if canImport(Glibc)
            // Only advice: without transparent huge pages the arena is ordinary memory.
            if huge { _ = madvise(arena, bytes, MADV_HUGEPAGE) }
            #endif
            arenas.append(arena)
            arenaNext = arena
            arenaFramesLeft = bytes / Self.frameStride
            nextArenaPages = min(pages * 2, Self.largestArenaPages)
        }
        let frame = arenaNext!
        arenaNext = frame + Self.frameStride
        arenaFramesLeft -= 1
        return frame
    }

    // MARK: Frame table lookups

    @inlinable static var groupShift: Int { 10 }
    @inlinable static var groupMask: Int { (1 << groupShift) - 1 }
    @inlinable static var unallocatedSlot: Int32 { -1 }
    @inlinable static var zeroSlot: Int32 { -2 }

    /// The slot of frame number `frame`: a storage index (≥ 0), ``zeroSlot`` or ``unallocatedSlot``.
    /// Any frame number, even one outside the address space, is answered without trapping.
    @inlinable @inline(__always)
    func slot(ofFrame frame: Int) -> Int32 {
        guard frame >= 0 && frame < frameCount else { return Self.unallocatedSlot }
        let block = directory[frame &>> Self.groupShift]
        guard block >= 0 else { return Self.unallocatedSlot }
        return slots[Int(block) &<< Self.groupShift | (frame & Self.groupMask)]
    }

    /// Whether frame number `frame` has been handed out by an allocator.
    @inlinable @inline(__always)
    func isAllocated(frame: Int) -> Bool { slot(ofFrame: frame) != Self.unallocatedSlot }

    /// The storage index of allocated frame `frame`, giving it zero-filled storage on its first write.
    @inlinable @inline(__always)
    func backing(ofFrame frame: Int) -> Int {
        let index = Int(directory[frame &>> Self.groupShift]) &<< Self.groupShift | (frame & Self.groupMask)
        let current = slots[index]
        if current >= 0 { return Int(current) }
        return materialize(slotIndex: index)
    }

    /// Gives the frame at `slots[slotIndex]` 4 KiB of zeroed storage: the only place storage grows.
    @usableFromInline
    func materialize(slotIndex: Int) -> Int {
        precondition(slots[slotIndex] == Self.zeroSlot, "writing a frame that was never allocated")
        let index = storage.count
        let frame = takeFrameStorage()
        frame.initializeMemory(as: UInt8.self, repeating: 0, count: Page.size)
        storage.append(frame)
        slots[slotIndex] = Int32(index)
        return index
    }

    // MARK: Host-cache hints

    /// Hints to the processor that the bytes of [`address`, `address + count`) will be read soon, so a transfer a
    /// little later finds them in its caches instead of waiting on main memory for each line. Frames that were
    /// never allocated, or never written, and addresses past the end are skipped: a hint has no simulated effect,
    /// throws nothing and counts nothing. At most 64 KiB are hinted.
    public func prefetch(_ address: UInt64, count: Int) {
        guard count > 0, address < size else { return }
        var current = address
        let end = address + UInt64(min(count, 1 << 16, Int(size - address)))
        while current < end {
            let within = Int(current & Page.offsetMask)
            let chunk = min(Int(end - current), Page.size - within)
            let index = slot(ofFrame: Int(current >> UInt64(Page.shift)))
            if index >= 0 {
                HostCache.prefetch(UnsafeRawPointer(storage[Int(index)] + within), byteCount: chunk)
            }
            current += UInt64(chunk)
        }
    }

    // MARK: Range check

    /// Checks that [`address`, `address + length`) lies inside the address space and inside allocated frames.
    ///
    /// This is the module's single overflow-checked range check for physical accesses; every public access calls
    /// it before touching a byte, so a fault leaves memory unchanged. A zero length is valid at any address up to
    /// ``size``.
    ///
    /// - Throws: ``MemoryFault/Code/badLength`` (negative length), ``MemoryFault/Code/addressOverflow``,
    ///   ``MemoryFault/Code/outOfRange`` (beyond ``size``) or ``MemoryFault/Code/unmappedPhysical`` (a frame in
    ///   range that no allocator handed out; the fault's address is the first such byte).
    @inlinable
    public func check(_ address: PhysicalAddress, length: Int) throws(MemoryFault) {
        let end = try MemoryFault.checkRange(address.rawValue, length: length, limit: size)
        guard end > address.rawValue else { return }
        var frame = Int(address.rawValue >> UInt64(Page.shift))
        let last = Int((end - 1) >> UInt64(Page.shift))
        while frame <= last {
            if !isAllocated(frame: frame) {
                let faultAddress = max(address.rawValue, UInt64(frame) << UInt64(Page.shift))
                throw MemoryFault(code: .unmappedPhysical, address: faultAddress, length: length)
            }
            frame += 1
        }
    }
}
