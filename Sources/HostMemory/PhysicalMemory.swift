import SimCore

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
public final class PhysicalMemory: LittleEndianAccess {
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
    /// The host bytes of each frame that has been written, in order of first write (``FrameBackingStore``: the
    /// emulator's memory layout, apart from the model); owned here and freed in `deinit`.
    @usableFromInline var storage = FrameBackingStore()
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

    deinit {
        storage.deallocate()
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
        let index = storage.addZeroedFrame()
        slots[slotIndex] = Int32(index)
        return index
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
