import HostMemory
import HostOS
import NICInterface
import WireFormats

/// The reference driver as the OS calls it: each call does the driver's work and returns the change of its
/// counters over the call as the receipt the OS prices.
extension Driver {
    public func attach(to delegate: any DriverDelegate, mac: MACAddress) -> DriverReceipt {
        self.delegate = delegate
        setMACAddress(mac)
        // Everything since the driver was built: ring set-up, the device's programming, the fixed IOMMU mappings.
        return receipt(since: DriverCounters(), translations: TranslationCounters())
    }

    public func registerBuffer(space: AddressSpace, address: VirtualAddress, length: Int) throws(MemoryFault)
        -> DriverReceipt
    {
        let (before, translations) = (counters, translationBuffer.counters)
        _ = try register(space: space, address: address, length: length)
        return receipt(since: before, translations: translations)
    }

    public func transmit(space: AddressSpace, entries: [WriteEntry], path: PayloadPath?) throws(DriverError)
        -> (id: WriteID, receipt: DriverReceipt)
    {
        let (before, translations) = (counters, translationBuffer.counters)
        let id = try accept(space: space, entries: entries, path: path)
        var work = receipt(since: before, translations: translations)
        // The reference driver rings once per write call, after the call's work (B1): the kick writes the tail
        // if anything was posted.
        work.kickNeeded = true
        return (id, work)
    }

    public func transmitFrame(_ bytes: [UInt8], length: Int) -> DriverReceipt? {
        let before = counters
        guard sendFrame(bytes, length: length) else { return nil }
        let work = receipt(since: before, translations: translationBuffer.counters)
        // Called from inside an interrupt, poll or watchdog run (the OS replying to what it received): this work
        // is this call's, not the run's.
        nestedWork += work
        return work
    }

    public func kick() -> DriverReceipt {
        let before = counters
        ringDoorbell()
        return receipt(since: before, translations: translationBuffer.counters)
    }

    public func interrupt(vector: Int) -> DriverReceipt {
        let before = beginRun()
        let needsDoorbell = handleInterrupt()
        var work = endRun(since: before)
        work.kickNeeded = needsDoorbell
        return work
    }

    /// The reference driver does all its work in the interrupt handler and never asks for a poll; a poll does
    /// what the handler does, without reading the cause register.
    public func poll(budget: Int) -> DriverReceipt {
        let before = beginRun()
        reclaim()
        if queuedHead < queued.count { post() }
        cleanReceiveRing()
        var work = endRun(since: before)
        work.kickNeeded = hasUnrungDescriptors
        return work
    }

    public func watchdog() -> DriverReceipt {
        let before = beginRun()
        let needsDoorbell = runWatchdog()
        var work = endRun(since: before)
        work.kickNeeded = needsDoorbell
        return work
    }

    public func installHardwarePolicy(slot: Int, _ policy: HardwarePolicy) -> DriverReceipt? {
        let before = counters
        guard writeHardwarePolicy(slot: slot, policy) else { return nil }
        return receipt(since: before, translations: translationBuffer.counters)
    }

    public func removeHardwarePolicy(slot: Int) -> DriverReceipt {
        let before = counters
        clearHardwarePolicy(slot: slot)
        return receipt(since: before, translations: translationBuffer.counters)
    }

    public func destinationCounters(_ destination: DestinationID) -> DestinationCounters {
        destination.rawValue >= 0 && destination.rawValue < destinationCounters.count
            ? destinationCounters[destination.rawValue] : DestinationCounters()
    }

    public var statistics: DriverStatistics {
        var s = DriverStatistics()
        s.transmitErrors = counters.transmitErrors
        s.watchdogChecks = counters.watchdogChecks
        s.watchdogRecoveries = counters.watchdogRecoveries
        s.lostWriteBacks = counters.lostWriteBacks
        s.lostReceiveWriteBacks = counters.lostReceiveWriteBacks
        s.transmitHangs = counters.transmitHangs
        s.peakQueuedWrites = counters.peakQueuedWrites
        return s
    }

    /// Starts an interrupt, poll or watchdog run: the counters now, and no nested work yet.
    func beginRun() -> DriverCounters {
        nestedWork = DriverReceipt()
        return counters
    }

    /// The run's own work since `before`: the change of the counters less what nested ``transmitFrame(_:length:)``
    /// calls already returned as their own receipts.
    func endRun(since before: DriverCounters) -> DriverReceipt {
        var r = receipt(since: before, translations: translationBuffer.counters)
        let n = nestedWork
        r.sends &-= n.sends
        r.descriptorsWritten &-= n.descriptorsWritten
        r.bytesCopied &-= n.bytesCopied
        r.doorbells &-= n.doorbells
        r.registerWrites &-= n.registerWrites
        nestedWork = DriverReceipt()
        return r
    }

    /// The work between `before` (and the translation buffer's `translations`) and now, as a receipt.
    func receipt(since before: DriverCounters, translations: TranslationCounters) -> DriverReceipt {
        let now = counters
        let t = translationBuffer.counters
        var r = DriverReceipt()
        r.sends = now.packets &- before.packets
        r.segments = now.segments &- before.segments
        r.descriptorsWritten = now.descriptorsWritten &- before.descriptorsWritten
        r.descriptorsReclaimed = now.descriptorsReclaimed &- before.descriptorsReclaimed
        r.doorbells = (now.doorbells &- before.doorbells) &+ (now.receiveDoorbells &- before.receiveDoorbells)
        r.registerWrites = now.registerWrites &- before.registerWrites
        r.registerReads = now.registerReads &- before.registerReads
        r.pageWalks = (now.pageWalks &- before.pageWalks) &+ (t.pageWalks &- translations.pageWalks)
        r.pagesPinned = t.pagesPinned &- translations.pagesPinned
        r.transientPins = now.transientPins &- before.transientPins
        r.translationHits = now.translationHits &- before.translationHits
        r.translationMisses = now.translationMisses &- before.translationMisses
        r.iommuMaps = now.iommuMappings &- before.iommuMappings
        r.iommuUnmaps = now.iommuUnmaps &- before.iommuUnmaps
        r.iotlbInvalidations = now.iotlbInvalidations &- before.iotlbInvalidations
        r.iotlbFlushes = now.iotlbFlushes &- before.iotlbFlushes
        r.bytesCopied = now.bytesCopied &- before.bytesCopied
        r.framesDelivered = now.framesReceived &- before.framesReceived
        r.receiveBuffersRefilled = now.receiveDescriptorsPosted &- before.receiveDescriptorsPosted
        r.ringFullStalls = now.ringFullStalls &- before.ringFullStalls
        return r
    }
}
