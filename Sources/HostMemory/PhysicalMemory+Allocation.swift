extension PhysicalMemory {
    /// Allocates one zero-filled 4 KiB frame for a page of some address space and returns its address.
    ///
    /// Successive calls return frames that are not physically adjacent, in a deterministic scattered order derived
    /// from ``seed`` (see the type's discussion), so a buffer spanning pages crosses non-adjacent frames as on a
    /// real, fragmented machine.
    ///
    /// - Throws: ``MemoryFault/Code/outOfMemory`` when every frame is in use.
    public func allocateFrame() throws(MemoryFault) -> PhysicalAddress {
        guard _framesInUse < frameCount else {
            throw MemoryFault(code: .outOfMemory, address: 0, length: Page.size)
        }
        // Terminates: some frame is free, and the zones together visit every frame once.
        while true {
            if zoneVisited == zoneCount {
                openZone()
            }
            let frame = zoneBase + zoneCursor
            zoneVisited += 1
            zoneCursor += zoneStride
            if zoneCursor >= zoneCount { zoneCursor -= zoneCount }
            if !isAllocated(frame: frame) {
                markAllocated(frame: frame)
                return PhysicalAddress(rawValue: UInt64(frame) << UInt64(Page.shift))
            }
        }
    }

    /// Allocates `bytes` bytes (rounded up to whole frames) of physically contiguous, zero-filled memory and
    /// returns the address of its first byte.
    ///
    /// For descriptor rings and driver-owned buffers whose hardware fields take one base address. The run is the
    /// highest free run below earlier contiguous allocations that starts on a multiple of `alignment`; if there is
    /// none, the highest such run anywhere.
    ///
    /// - Parameters:
    ///   - bytes: Bytes needed; must be positive.
    ///   - alignment: Required alignment of the first byte in bytes; a power of two, at least 4096.
    /// - Throws: ``MemoryFault/Code/badLength`` for a non-positive size or a bad alignment,
    ///   ``MemoryFault/Code/outOfMemory`` when no free aligned run of that many frames is left.
    public func allocateContiguous(bytes: Int, alignment: Int = Page.size) throws(MemoryFault) -> PhysicalAddress {
        guard bytes > 0 else {
            throw MemoryFault(code: .badLength, address: 0, length: bytes)
        }
        guard alignment >= Page.size && alignment & (alignment - 1) == 0 else {
            throw MemoryFault(code: .badLength, address: 0, length: alignment)
        }
        let pages = Page.count(forBytes: bytes)
        let alignFrames = alignment >> Page.shift
        guard pages <= framesFree,
            let first = freeRun(pages: pages, alignFrames: alignFrames, below: contiguousFloor)
                ?? freeRun(pages: pages, alignFrames: alignFrames, below: frameCount)
        else {
            throw MemoryFault(code: .outOfMemory, address: 0, length: bytes)
        }
        for frame in first..<(first + pages) {
            markAllocated(frame: frame)
        }
        contiguousFloor = min(contiguousFloor, first)
        return PhysicalAddress(rawValue: UInt64(first) << UInt64(Page.shift))
    }

    /// Frames not yet handed out by either allocator.
    public var framesFree: Int { frameCount - _framesInUse }

    /// The first frame of the highest run of `pages` free frames that starts on a multiple of `alignFrames` and
    /// ends at or below frame `limit`, or nil.
    func freeRun(pages: Int, alignFrames: Int, below limit: Int) -> Int? {
        var end = limit
        while end >= pages {
            var first = end - pages
            first -= first % alignFrames
            // Scan the window from the top; on a used frame, the next window must end at or below it.
            var frame = first + pages - 1
            while frame >= first && !isAllocated(frame: frame) { frame -= 1 }
            if frame < first { return first }
            end = frame
        }
        return nil
    }

    /// Moves the scattered allocator to the next zone of up to 1024 frames (wrapping to the bottom) and picks the
    /// zone's permutation.
    func openZone() {
        if scatterFrontier >= frameCount { scatterFrontier = 0 }
        let count = min(1 << Self.groupShift, frameCount - scatterFrontier)
        zoneBase = scatterFrontier
        zoneCount = count
        zoneVisited = 0
        scatterFrontier += count
        // A stride in 2...count-2 coprime to count visits every frame once and never steps to a neighbour; a
        // start of at least 1 keeps the zone's first frame away from the previous zone's last frame.
        zoneStride = 1
        zoneCursor = 0
        guard count >= 4 else { return }
        let candidates = count - 3
        let first = Int(random.next() % UInt64(candidates))
        for step in 0..<candidates {
            let stride = 2 + (first + step) % candidates
            if greatestCommonDivisor(stride, count) == 1 {
                zoneStride = stride
                break
            }
        }
        zoneCursor = 1 + Int(random.next() % UInt64(count - 1))
    }

    /// Records frame number `frame` as handed out, opening its group's block of slots when needed.
    func markAllocated(frame: Int) {
        let group = frame >> Self.groupShift
        if directory[group] < 0 {
            directory[group] = Int32(slots.count >> Self.groupShift)
            slots.append(contentsOf: repeatElement(Self.unallocatedSlot, count: 1 << Self.groupShift))
        }
        let index = Int(directory[group]) << Self.groupShift | (frame & Self.groupMask)
        precondition(slots[index] == Self.unallocatedSlot, "frame allocated twice")
        slots[index] = Self.zeroSlot
        _framesInUse += 1
    }
}

/// Euclid's algorithm on non-negative integers.
func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
}
