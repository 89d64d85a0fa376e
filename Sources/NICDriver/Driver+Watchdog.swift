import HostMemory
import HostOS
import NICInterface

/// The driver's watchdog: the periodic check real drivers run from a timer (Linux e1000e's watchdog task, ixgbe's
/// service task) so that a lost interrupt or a lost status write-back cannot stall the rings for good.
extension Driver {
    /// Whether the driver waits for the device: descriptors posted and not reclaimed, or writes not yet posted.
    public var hasOutstandingWork: Bool {
        posted != reclaimed || queuedHead < queued.count || inFlightHead < inFlight.count
    }

    /// Whether the driver has a receive ring (whose frames a watchdog run may find after a lost interrupt).
    public var hasReceiveRing: Bool { receiveRingSize > 0 }

    /// One watchdog run, from the host's timer (not from an interrupt). Returns true when new descriptors wait for
    /// a doorbell.
    ///
    /// In order:
    /// 1. cleans the transmit ring as the interrupt handler would (`DD` on report points);
    /// 2. reads `TDH` and reclaims every descriptor the device has finished, even where no `DD` came: a report
    ///    point the head has passed without `DD` is a lost write-back (``DriverCounters/lostWriteBacks``);
    /// 3. posts writes that waited for room;
    /// 4. cleans the receive ring, then reads `RDH` and gives back descriptors before it that never showed `DD`
    ///    (``DriverCounters/lostReceiveWriteBacks``), and cleans again;
    /// 5. counts a transmit hang when work is outstanding and neither the head nor the reclaim point moved since
    ///    the previous run.
    ///
    /// A run that found anything to reclaim or receive counts in ``DriverCounters/watchdogRecoveries``: work an
    /// interrupt should have reported and did not (yet).
    @discardableResult
    public func runWatchdog() -> Bool {
        counters.watchdogChecks += 1
        let reclaimedBefore = reclaimed
        let receivedBefore = counters.receiveDescriptorsPosted
        reclaim()
        let head = reclaimPastHead()
        if queuedHead < queued.count { post() }
        cleanReceiveRing()
        giveBackLostReceiveDescriptors()
        if reclaimed != reclaimedBefore || counters.receiveDescriptorsPosted != receivedBefore {
            counters.watchdogRecoveries += 1
        }
        if posted != reclaimed, reclaimed == watchdogLastReclaimed, head == watchdogLastHead {
            counters.transmitHangs += 1
        }
        watchdogLastReclaimed = reclaimed
        watchdogLastHead = head
        return hasUnrungDescriptors
    }

    /// Reclaims every descriptor before the device's `TDH`; returns the head read (or nil with nothing
    /// outstanding, when no register is read).
    ///
    /// Descriptors are the device's from `TDH` on (datasheet §4.1); everything before it is finished, written back
    /// or not. Report points before the head that showed no `DD` had their write-back lost.
    func reclaimPastHead() -> UInt32? {
        guard posted != reclaimed else { return nil }
        counters.registerReads += 1
        let head = device.readRegister(.tdh)
        let ring = UInt64(ringSize)
        let done = (UInt64(head) % ring + ring - reclaimed % ring) % ring
        // The device owns at most ring − 1 descriptors, so the distance is unambiguous; a head beyond what was
        // posted (a device gone wrong) is ignored.
        guard done > 0, done <= posted - reclaimed else { return head }
        let end = reclaimed + done
        while let index = reportQueue.first, index < end {
            // Report points behind a lost one may have their DD: only those without it were lost.
            let status = reportStatus(index)
            if !status.contains(.descriptorDone) {
                counters.lostWriteBacks += 1
            } else if !status.isDisjoint(with: [.dmaError, .lengthError, .formatError]) {
                counters.transmitErrors += 1
            }
            reportQueue.removeFirst()
        }
        counters.descriptorsReclaimed += done
        unmapReclaimed(from: reclaimed, to: end)
        reclaimed = end
        reportCompletedWrites()
        return head
    }

    /// The status byte of the descriptor at absolute index `index`, as the device left it.
    func reportStatus(_ index: UInt64) -> TxStatus {
        let address = PhysicalAddress(
            rawValue: ringBase.rawValue + (index % UInt64(ringSize)) * UInt64(TxDescriptor.size)
                + UInt64(TxDescriptor.statusOffset))
        do throws(MemoryFault) {
            return TxStatus(rawValue: try memory.readUInt8(address))
        } catch {
            preconditionFailure("the driver's own ring is unreadable: \(error)")
        }
    }

    /// Gives back receive descriptors the device has passed (`RDH`) without a visible `DD`, then takes the frames
    /// after them.
    func giveBackLostReceiveDescriptors() {
        guard receiveRingSize > 0 else { return }
        counters.registerReads += 1
        let head = Int(device.readRegister(.receiveQueue(0, NICRegister.QueueOffset.head))) % receiveRingSize
        var skipped = 0
        while receiveNext != head && skipped < receiveRingSize - 1 {
            let address = PhysicalAddress(
                rawValue: receiveRingBase.rawValue + UInt64(receiveNext * RxDescriptor.size))
            do throws(MemoryFault) {
                try memory.read(address, count: RxDescriptor.size, into: &receiveDescriptor, at: 0)
            } catch {
                preconditionFailure("the driver's own receive ring is unreadable: \(error)")
            }
            if let d = RxDescriptor(decoding: receiveDescriptor, at: 0), d.status.contains(.descriptorDone) { break }
            let buffer = receiveBufferDevice + UInt64(receiveNext * Driver.receiveBufferBytes)
            RxDescriptor(bufferAddress: buffer).encode(into: &receiveDescriptor, at: 0)
            do throws(MemoryFault) {
                try memory.write(address, from: receiveDescriptor, at: 0, count: RxDescriptor.size)
            } catch {
                preconditionFailure("the driver's own receive ring is unwritable: \(error)")
            }
            receiveNext = (receiveNext + 1) % receiveRingSize
            skipped += 1
        }
        guard skipped > 0 else { return }
        counters.lostReceiveWriteBacks += UInt64(skipped)
        counters.receiveDescriptorsPosted += UInt64(skipped)
        writeReceiveTail(UInt32((receiveNext + receiveRingSize - 1) % receiveRingSize))
        cleanReceiveRing()
    }
}
