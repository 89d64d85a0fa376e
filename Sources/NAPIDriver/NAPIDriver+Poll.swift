import HostMemory
import HostOS
import NICInterface
import SimCore

// The interrupt handler, the NAPI poll, transmit cleaning, the receive ring and the watchdog (datasheet §3.3, §4.5,
// §6, §8.2, §11.2).

extension NAPIDriver {
    /// Reads and clears `ICR`; unless nothing was pending (a message whose causes the driver had already read) or
    /// a poll is already scheduled, masks every cause (`IMC`) and asks for a poll. All causes share vector 0 and
    /// name no queue (datasheet §6.1), so the poll looks at every queue.
    public func interrupt(vector: Int) -> DriverReceipt {
        var r = DriverReceipt()
        interrupts += 1
        if napi.msix { return vectorInterrupt(vector, &r) }
        let causes = InterruptCause(rawValue: read(.icr, &r))
        if causes.contains(.rxOverrun) { receiveOverruns += 1 }
        guard !causes.isEmpty else {
            spuriousInterrupts += 1
            return r
        }
        guard !napiScheduled else { return r }
        write(.imc, 0xFFFF_FFFF, &r)
        napiScheduled = true
        maskedIntervals += 1
        r.pollNeeded = true
        return r
    }

    /// One NAPI poll: cleans every transmit queue (not counted against `budget`), posts writes that waited for
    /// room, then takes at most `budget` received frames. Under budget it unmasks the device (`IMS`) and is done;
    /// at budget it stays masked and asks to be polled again.
    public func poll(budget: Int) -> DriverReceipt {
        var r = DriverReceipt()
        polls += 1
        if napi.msix { return pollVectors(budget: budget, &r) }
        cleanTransmit(&r)
        postPending(&r)
        finishBatch(&r)
        let budget = max(0, budget)
        let done = receive(budget: budget, &r)
        reportCompletions()
        if done < budget || budget == 0 {
            write(.ims, Self.enabledCauses.rawValue, &r)
            napiScheduled = false
        } else {
            budgetExhaustions += 1
            r.pollNeeded = true
        }
        return r
    }

    /// Tells the delegate about the writes the current call completed.
    func reportCompletions() {
        guard !completedScratch.isEmpty else { return }
        for id in completedScratch { delegate?.writeCompleted(id) }
        completedScratch.removeAll(keepingCapacity: true)
    }

    // MARK: Transmit cleaning

    /// Reclaims, on every queue, the packets up to each report point whose last descriptor shows `DD` (§4.5), then
    /// feeds each queue's byte limit with what it completed and starts queues that have room again.
    /// Returns whether anything was reclaimed.
    @discardableResult
    func cleanTransmit(_ r: inout DriverReceipt) -> Bool {
        var any = false
        for ring in rings where cleanTransmit(ring, &r) { any = true }
        return any
    }

    /// Reclaims one queue as ``cleanTransmit(_:)`` does every queue; returns whether anything was reclaimed.
    @discardableResult
    func cleanTransmit(_ ring: TransmitRing, _ r: inout DriverReceipt) -> Bool {
        var bytes = 0
        if let address = ring.headWriteBack {
            // Head write-back: every packet before the head the device wrote is done (datasheet §4.5).
            let head: UInt32
            do throws(MemoryFault) { head = try memory.readUInt32LE(address) } catch {
                internalFaults += 1
                return false
            }
            bytes = reclaim(ring, before: Int(head) & ring.mask, &r)
        }
        while ring.headWriteBack == nil, let packet = ring.reports.first {
            let last = (Int(ring.packet(packet).end) - 1) & ring.mask
            guard status(ring, last).contains(.descriptorDone) else { break }
            bytes += reclaim(ring, through: packet, &r)
        }
        guard bytes > 0 else { return false }
        completed(ring, bytes: bytes)
        return true
    }

    func status(_ ring: TransmitRing, _ index: Int) -> TxStatus {
        do throws(MemoryFault) {
            return TxStatus(rawValue: try memory.readUInt8(
                ring.descriptorAddress(index).advanced(by: TxDescriptor.statusOffset)))
        } catch {
            internalFaults += 1
            return []
        }
    }

    /// Reclaims every packet that ends at or before descriptor `head` (the device's head, which lies on a packet
    /// boundary). Returns the bytes reclaimed.
    func reclaim(_ ring: TransmitRing, before head: Int, _ r: inout DriverReceipt) -> Int {
        var bytes = 0
        while let oldest = ring.packets.first {
            let end = Int(oldest.end)
            let distance = (end - ring.clean) & ring.mask
            guard distance > 0 && distance <= (head - ring.clean) & ring.mask else { break }
            bytes += reclaim(ring, through: ring.packetHead, &r)
        }
        return bytes
    }

    /// Reclaims every packet through packet number `last`: error statuses counted, IOMMU references dropped,
    /// writes whose last packet this was completed. Returns the bytes reclaimed.
    func reclaim(_ ring: TransmitRing, through last: Int, _ r: inout DriverReceipt) -> Int {
        var bytes = 0
        while ring.packetHead <= last, let p = ring.packets.first {
            let end = Int(p.end)
            let lastDescriptor = (end - 1) & ring.mask
            if !status(ring, lastDescriptor).isDisjoint(with: [.dmaError, .lengthError, .formatError]) {
                stats.transmitErrors += 1
            }
            var i = ring.clean
            while i != end {
                unmapSlot(ring, i, &r)
                r.descriptorsReclaimed += 1
                i = (i + 1) & ring.mask
            }
            ring.clean = end
            bytes += Int(p.bytes)
            let slot = Int(p.write)
            if slot >= 0 {
                writeOutstanding[slot] -= 1
                if writeOutstanding[slot] == 0 && writeUnposted[slot] == 0 {
                    completedScratch.append(WriteID(rawValue: writeIDs[slot]))
                    freeWriteSlot(slot)
                }
            }
            ring.packets.removeFirst()
            ring.packetHead += 1
        }
        while let report = ring.reports.first, report < ring.packetHead { ring.reports.removeFirst() }
        return bytes
    }

    /// One completion round of a queue's byte limit; a queue stopped by it or by a full ring starts again when
    /// both allow (Linux `netdev_tx_completed_queue`, then `netif_tx_wake_queue`).
    func completed(_ ring: TransmitRing, bytes: Int) {
        ring.limit.complete(bytes)
        if ring.stopped && ring.limit.available >= 0 && ring.free >= largestSendDescriptors { ring.stopped = false }
    }

    // MARK: Receive

    /// Posts receive descriptor `i`: its buffer address, the device's bytes 8–15 zero (§3.3).
    func postReceiveBuffer(_ rx: ReceiveRing, _ i: Int) {
        let address = rx.descriptorAddress(i)
        do throws(MemoryFault) {
            try memory.writeUInt64LE(address, rx.deviceBuffer(i))
            try memory.writeUInt64LE(address.advanced(by: 8), 0)
        } catch {
            internalFaults += 1
        }
    }

    /// Takes at most `budget` frames off the receive ring in order (§11.2 step 4), hands good ones to the delegate,
    /// gives every buffer back, and moves `RDT` once. Returns the frames taken (dropped ones included).
    func receive(budget: Int, _ r: inout DriverReceipt) -> Int {
        guard let rx = receiveRing else { return 0 }
        var frames = 0
        var refilled = 0
        while frames < budget {
            // A frame is the descriptors from `next` through the first with EOP, all with DD.
            var length = 0
            var count = 0
            var complete = false
            var errors = RxErrors()
            while count < rx.count - 1 {
                let address = rx.descriptorAddress(rx.next + count)
                let high: UInt64
                do throws(MemoryFault) {
                    high = try memory.readUInt64LE(address.advanced(by: 8))
                } catch {
                    internalFaults += 1
                    break
                }
                let status = RxStatus(rawValue: UInt8(truncatingIfNeeded: high >> 32))
                guard status.contains(.descriptorDone) else { break }
                let piece = Int(UInt16(truncatingIfNeeded: high))
                if length + piece <= receiveScratch.count {
                    do throws(MemoryFault) {
                        try memory.read(rx.slotBuffer(rx.next + count), count: piece, into: &receiveScratch, at: length)
                    } catch {
                        errors.insert(.dmaError)
                    }
                }
                length += piece
                count += 1
                if status.contains(.endOfPacket) {
                    errors.formUnion(RxErrors(rawValue: UInt8(truncatingIfNeeded: high >> 40)))
                    complete = true
                    break
                }
            }
            guard complete else { break }
            for k in 0..<count { postReceiveBuffer(rx, rx.next + k) }
            rx.next = (rx.next + count) & rx.mask
            refilled += count
            frames += 1
            if errors.contains(.dmaError) || length > receiveScratch.count || length == 0 {
                receiveErrors += 1
                continue
            }
            framesReceived += 1
            r.framesDelivered += 1
            r.bytesCopied += UInt64(length)
            delegate?.frameReceived(receiveScratch, length: length,
                                    checksumError: !errors.isDisjoint(with: [.ipChecksum, .l4Checksum]))
        }
        if refilled > 0 {
            r.receiveBuffersRefilled += UInt64(refilled)
            // One descriptor stays unposted: RDT one behind the next to look at (§11.2 step 1).
            device.writeRegister(.receiveQueue(0, NICRegister.QueueOffset.tail), UInt32((rx.next - 1) & rx.mask))
            r.doorbells += 1
            receiveDoorbells += 1
        }
        return frames
    }

    // MARK: Watchdog

    /// Linux-style watchdog (datasheet §8.2): cleans as a poll would and counts a recovery when that found work a
    /// lost or late interrupt should have reported; reclaims every packet before `TDH` on queues with work (a
    /// report point there without `DD` lost its write-back); counts a hang when a queue with work moved neither
    /// `TDH` nor its reclaim point since the previous run; posts waiting writes; cleans the receive ring unless a
    /// poll is scheduled (the poll owns it then); in MSI-X mode, unmasks every vector with no poll scheduled
    /// (`reenableIdleVectors(_:)`).
    public func watchdog() -> DriverReceipt {
        var r = DriverReceipt()
        stats.watchdogChecks += 1
        if cleanTransmit(&r) { stats.watchdogRecoveries += 1 }
        for ring in rings where ring.packetsOutstanding == 0 { ring.watchdogHead = -1 }
        for ring in rings where ring.packetsOutstanding > 0 {
            let head = Int(read(.transmitQueue(ring.index, NICRegister.QueueOffset.head), &r)) & ring.mask
            var bytes = 0
            let reach = (head - ring.clean) & ring.mask
            while let oldest = ring.packets.first {
                let end = Int(oldest.end)
                let distance = (end - ring.clean) & ring.mask
                guard distance > 0 && distance <= reach else { break }
                let packet = ring.packetHead
                let isReport = ring.reports.first == packet
                // With head write-back no `DD` is written: a report point the written head had not passed lost it.
                if isReport
                    && (ring.headWriteBack != nil || !status(ring, (end - 1) & ring.mask).contains(.descriptorDone))
                {
                    stats.lostWriteBacks += 1
                }
                bytes += reclaim(ring, through: packet, &r)
            }
            if bytes > 0 { completed(ring, bytes: bytes) }
            if ring.packetsOutstanding > 0 && head == ring.watchdogHead && ring.clean == ring.watchdogClean {
                stats.transmitHangs += 1
            }
            // Only work still outstanding at the end of this run can hang by the next one.
            ring.watchdogHead = ring.packetsOutstanding > 0 ? head : -1
            ring.watchdogClean = ring.clean
        }
        postPending(&r)
        finishBatch(&r)
        if !napiScheduled { _ = receive(budget: Int.max, &r) }
        reportCompletions()
        if napi.msix { reenableIdleVectors(&r) }
        return r
    }
}
