import HostMemory
import HostOS
import NICInterface
import SimCore
import WireFormats

// The transmit path: accepting a write, posting its packets onto the queues as far as rings and byte limits
// allow, and the doorbells (datasheet §3.1, §3.2, §4.1, §7, §10).

extension NAPIDriver {
    /// Accepts a multi-destination write: checks every entry (destination, length, mapped memory) before anything
    /// is posted, queues it behind earlier writes still waiting, and posts what the queues take now. Doorbells are
    /// left for ``kick()``: one per queue the call posted on.
    public func transmit(space: AddressSpace, entries newEntries: [WriteEntry], path: PayloadPath?) throws(DriverError)
        -> (id: WriteID, receipt: DriverReceipt)
    {
        for e in newEntries {
            guard destinations.indices.contains(e.destination.rawValue) else {
                throw DriverError(.unknownDestination, "destination \(e.destination.rawValue) was never added")
            }
            guard e.length >= 0 else { throw DriverError(.badLength, "entry length \(e.length)") }
            guard space.isMapped(e.address, length: e.length) else {
                throw DriverError(.translationFault, "\(e.length) bytes at \(e.address) are not mapped")
            }
        }
        var r = DriverReceipt()
        let zeroCopy = (path ?? configuration.path) == .zeroCopy
        let slot = takeWriteSlot()
        let id = WriteID(rawValue: nextWriteID)
        nextWriteID += 1
        writeIDs[slot] = id.rawValue
        writeSpaces[slot] = space
        writeZeroCopy[slot] = zeroCopy
        writeOutstanding[slot] = 0
        writeUnposted[slot] = 0
        for q in 0..<8 { writeQueueLeft[slot * 8 + q] = 0 }
        writeEntryStart[slot] = entries.count
        for e in newEntries where e.length > 0 {
            let d = destinations[e.destination.rawValue]
            var registered = false
            if zeroCopy {
                rangeScratch.removeAll(keepingCapacity: true)
                registered = translations.translate(space: space, address: e.address, length: e.length,
                                                    into: &rangeScratch)
                if !registered { r.translationMisses += 1 }
            }
            entries.append(
                PendingEntry(
                    destination: e.destination.rawValue, queue: d.queue, address: e.address.rawValue,
                    length: e.length, launchTime: e.launchTime, rtpTimestamp: e.rtpTimestamp ?? 0,
                    registered: registered))
            writeUnposted[slot] += 1
            writeQueueLeft[slot * 8 + d.queue] += 1
        }
        writeEntryEnd[slot] = entries.count
        writesOpen += 1
        stats.peakQueuedWrites = max(stats.peakQueuedWrites, UInt64(writesOpen))
        if writeUnposted[slot] == 0 {
            // Nothing to send: complete once the OS has counted the write (at the kick).
            emptyWrites.append(id)
            freeWriteSlot(slot)
            r.kickNeeded = true
            kickPending = true
            return (id, r)
        }
        pendingWrites.append(slot)
        postPending(&r)
        finishBatch(&r)
        return (id, r)
    }

    /// Rings the doorbell of every queue whose tail moved since it was last rung (normally one queue: a write's
    /// or a poll's batch), and reports writes that had nothing to send.
    public func kick() -> DriverReceipt {
        var r = DriverReceipt()
        kickPending = false
        for ring in rings where ring.next != ring.deviceTail { ringDoorbell(ring, &r) }
        if !emptyWrites.isEmpty {
            for id in emptyWrites { delegate?.writeCompleted(id) }
            emptyWrites.removeAll(keepingCapacity: true)
        }
        return r
    }

    /// Ends a batch: if some queue's tail moved, asks the OS for a kick after the call's CPU work (the
    /// `xmit_more` doorbell: one per queue per batch).
    func finishBatch(_ r: inout DriverReceipt) {
        if kickPending || rings.contains(where: { $0.next != $0.deviceTail }) {
            r.kickNeeded = true
            kickPending = true
        }
    }

    /// Sends one frame as it is, on queue 0, copied into the slot's buffer; rung at once.
    public func transmitFrame(_ bytes: [UInt8], length: Int) -> DriverReceipt? {
        let ring = rings[0]
        // The OS's own frames pass a byte limit (they are few and small) but not a full ring.
        guard length > 0, length <= bytes.count, length <= maxFrameBytes, length <= ring.slotBytes,
              ring.free >= 1 else {
            framesRefused += 1
            return nil
        }
        var r = DriverReceipt()
        let index = ring.next
        do throws(MemoryFault) {
            try memory.write(ring.slotBuffer(index), from: bytes, at: 0, count: length)
        } catch {
            internalFaults += 1
            return nil
        }
        r.bytesCopied += UInt64(length)
        let device = sendAddress(ring, ring.slotBuffer(index).rawValue, length: length, &r)
        writeDescriptor(ring, TxDescriptor(bufferAddress: device, length: UInt16(clamping: length),
                                           command: [.endOfPacket, .insertFCS, .reportStatus]), &r)
        r.sends += 1
        sendsPosted += 1
        let stops = recordPacket(ring, writeSlot: -1, bytes: length, report: true)
        if stops { stop(ring, &r) }
        if ring.next != ring.deviceTail { ringDoorbell(ring, &r) }
        return r
    }

    // MARK: Writes

    func takeWriteSlot() -> Int {
        if let slot = freeSlots.popLast() { return slot }
        writeIDs.append(0)
        writeOutstanding.append(0)
        writeUnposted.append(0)
        writeQueueLeft.append(contentsOf: repeatElement(0, count: 8))
        writeSpaces.append(nil)
        writeZeroCopy.append(false)
        writeEntryStart.append(0)
        writeEntryEnd.append(0)
        return writeIDs.count - 1
    }

    func freeWriteSlot(_ slot: Int) {
        writeSpaces[slot] = nil
        writesOpen -= 1
        freeSlots.append(slot)
    }

    /// Posts waiting writes, oldest first, onto every queue that is not stopped. A queue keeps its packets in
    /// write order: once it stops, no later write posts on it in this pass.
    func postPending(_ r: inout DriverReceipt) {
        guard !pendingWrites.isEmpty else { return }
        for ring in rings where ring.stopped {
            if ring.free >= largestSendDescriptors && ring.limit.available >= 0 { ring.stopped = false }
        }
        for slot in pendingWrites {
            switch configuration.order {
            case .destinationMajor:
                for e in writeEntryStart[slot]..<writeEntryEnd[slot] {
                    while entries[e].sent < entries[e].length && !rings[entries[e].queue].stopped {
                        postSend(entry: e, slot: slot, &r)
                    }
                }
            case .roundRobin:
                var progress = true
                while progress {
                    progress = false
                    for e in writeEntryStart[slot]..<writeEntryEnd[slot]
                    where entries[e].sent < entries[e].length && !rings[entries[e].queue].stopped {
                        postSend(entry: e, slot: slot, &r)
                        progress = true
                    }
                }
            }
        }
        for slot in pendingWrites where writeUnposted[slot] == 0 && writeOutstanding[slot] == 0 {
            // Every entry was dropped (memory unmapped after the write was accepted): nothing will complete it.
            completedScratch.append(WriteID(rawValue: writeIDs[slot]))
            freeWriteSlot(slot)
        }
        pendingWrites.removeAll { writeUnposted[$0] == 0 }
        compactEntries()
    }

    /// Drops entries of writes that are fully posted from the front of the entry pool (no allocation).
    func compactEntries() {
        guard let first = pendingWrites.first else {
            entries.removeAll(keepingCapacity: true)
            return
        }
        let start = writeEntryStart[first]
        guard start > 0 && start * 2 >= entries.count else { return }
        entries.removeSubrange(0..<start)
        for slot in pendingWrites {
            writeEntryStart[slot] -= start
            writeEntryEnd[slot] -= start
        }
    }

    /// Posts the next send of entry `e`: one datagram (driver segmentation) or one large send the device cuts
    /// (NIC segmentation), with a context descriptor first when the entry's first packet has a launch time.
    func postSend(entry e: Int, slot: Int, _ r: inout DriverReceipt) {
        let entry = entries[e]
        let ring = rings[entry.queue]
        let d = destinations[entry.destination]
        // DF only on a datagram whose whole write fits one (Linux's rule; the NIC copies the header's DF when it cuts).
        let template = entry.length <= d.mss ? d.template : d.fragmentable
        let nicSegments = configuration.segmentation == .nic
        let payload = min(entry.length - entry.sent, nicSegments ? d.chunk : d.mss)
        let segments = nicSegments ? max(1, (payload + d.mss - 1) / d.mss) : 1
        let header = template.headerLength
        let zeroCopy = writeZeroCopy[slot]
        let finishesEntry = entry.sent + payload == entry.length
        let lastOnQueue = finishesEntry && writeQueueLeft[slot * 8 + entry.queue] == 1
        let wireBytes = header * segments + payload
        let launch = entry.sent == 0 ? entry.launchTime : nil

        // Payload pieces: translated (zero-copy) or the slots' buffers the CPU copies into.
        pieceScratch.removeAll(keepingCapacity: true)
        if zeroCopy {
            guard translatePayload(entry: e, offset: entry.sent, count: payload, slot: slot, &r) else {
                // The memory went away since the write was accepted: the rest of the entry is dropped.
                internalFaults += 1
                entries[e].sent = entries[e].length
                entryFinished(e, slot: slot)
                return
            }
        }

        // Would the queue stop after this send? Then it reports status and is rung at once.
        let limitStops = ring.limit.available - wireBytes < 0
        let descriptorsNeeded = (nicSegments || launch != nil ? 1 : 0) + 1
            + (zeroCopy ? pieceScratch.count : (nicSegments ? (payload + ring.slotBytes - 1) / ring.slotBytes : 0))
        let ringStops = ring.free - descriptorsNeeded < largestSendDescriptors
        let report = configuration.report == .everyPacket || lastOnQueue || limitStops || ringStops
        var command: TxCommand = [.insertFCS]
        if configuration.moderation.delaysTransmit { command.insert(.interruptDelay) }

        let start = ring.next
        // Context descriptor: segmentation (§7.2) and/or launch time (§10).
        var context = false
        if nicSegments || launch != nil {
            var flags: TxContextFlags = nicSegments ? [.segment] : [.udpChecksum]
            if template.rtp != nil { flags.insert(.rtp) }
            var nanoseconds: UInt64 = 0
            if let launch {
                flags.insert(.launchTime)
                nanoseconds = deviceLaunchNanoseconds(forHost: launch, &r)
            }
            let c = TxContextDescriptor(launchTimeNanoseconds: nanoseconds, headerLength: UInt8(header),
                                        ipOffset: UInt8(template.ipHeaderOffset),
                                        udpOffset: UInt8(template.udpHeaderOffset), flags: flags,
                                        mss: UInt16(clamping: d.mss))
            writeDescriptor(ring, c.asDescriptor, &r)
            context = true
        }

        // Header: rendered from the template into the header descriptor's slot buffer (B18). Without a context the
        // device finishes the UDP checksum from the pseudo-header sum (legacy IC, §7.1); with one, TXSM or TSE do.
        let headerIndex = ring.next
        let headerBuffer = ring.slotBuffer(headerIndex)
        var dest = destinations[entry.destination]
        template.render(into: &headerScratch, at: 0, payloadLength: payload, identification: dest.identification,
                        rtpSequence: dest.rtpSequence, rtpTimestamp: entry.rtpTimestamp, checksum: .partial)
        dest.identification &+= UInt16(truncatingIfNeeded: segments)
        dest.rtpSequence &+= template.rtp == nil ? 0 : UInt16(truncatingIfNeeded: segments)
        do throws(MemoryFault) {
            try memory.write(headerBuffer, from: headerScratch, at: 0, count: header)
        } catch {
            internalFaults += 1
        }
        var checksum: (start: UInt8, offset: UInt8, command: TxCommand) = (0, 0, [])
        if !context {
            checksum = (UInt8(template.udpHeaderOffset), UInt8(template.udpChecksumOffset), .insertChecksum)
        }

        if zeroCopy {
            let lastPiece = pieceScratch.count - 1
            let registered = entries[e].registered
            let headerDevice = sendAddress(ring, headerBuffer.rawValue, length: header, &r)
            writeDescriptor(
                ring,
                TxDescriptor(
                    bufferAddress: headerDevice, length: UInt16(clamping: header),
                    command: command.union(checksum.command).union(lastPiece < 0 ? lastCommand(report) : []),
                    checksumStart: checksum.start, checksumOffset: checksum.offset), &r)
            for (k, piece) in pieceScratch.enumerated() {
                let device = sendAddress(ring, piece.address, length: piece.length, registered: registered, &r)
                writeDescriptor(ring, TxDescriptor(bufferAddress: device, length: UInt16(clamping: piece.length),
                                                   command: command.union(k == lastPiece ? lastCommand(report) : [])),
                                &r)
            }
        } else if !nicSegments {
            // Copy path, driver segmentation: header and payload in one buffer, one descriptor.
            guard let space = writeSpaces[slot] else { return }
            do throws(MemoryFault) {
                try space.copy(from: VirtualAddress(rawValue: entry.address + UInt64(entry.sent)),
                               toPhysical: headerBuffer.advanced(by: header), count: payload)
            } catch {
                internalFaults += 1
            }
            r.bytesCopied += UInt64(payload)
            let device = sendAddress(ring, headerBuffer.rawValue, length: header + payload, &r)
            writeDescriptor(ring, TxDescriptor(bufferAddress: device, length: UInt16(clamping: header + payload),
                                               command: command.union(checksum.command).union(lastCommand(report)),
                                               checksumStart: checksum.start, checksumOffset: checksum.offset), &r)
        } else {
            // Copy path, NIC segmentation: the header, then the payload copied into the following slots' buffers.
            guard let space = writeSpaces[slot] else { return }
            let headerDevice = sendAddress(ring, headerBuffer.rawValue, length: header, &r)
            writeDescriptor(ring, TxDescriptor(bufferAddress: headerDevice, length: UInt16(clamping: header),
                                               command: command), &r)
            var done = 0
            while done < payload {
                let index = ring.next
                let n = min(ring.slotBytes, payload - done)
                do throws(MemoryFault) {
                    try space.copy(from: VirtualAddress(rawValue: entry.address + UInt64(entry.sent + done)),
                                   toPhysical: ring.slotBuffer(index), count: n)
                } catch {
                    internalFaults += 1
                }
                done += n
                let device = sendAddress(ring, ring.slotBuffer(index).rawValue, length: n, &r)
                writeDescriptor(ring, TxDescriptor(bufferAddress: device, length: UInt16(clamping: n),
                                                   command: command.union(done == payload ? lastCommand(report) : [])),
                                &r)
            }
            r.bytesCopied += UInt64(payload)
        }
        let written = (ring.next - start) & ring.mask
        dest.counters.packets += UInt64(segments)
        dest.counters.sends += 1
        dest.counters.descriptors += UInt64(written)
        dest.counters.payloadBytes += UInt64(payload)
        destinations[entry.destination] = dest
        r.sends += 1
        r.segments += UInt64(segments)
        sendsPosted += 1

        entries[e].sent += payload
        writeOutstanding[slot] += 1
        if finishesEntry { entryFinished(e, slot: slot) }
        let stops = recordPacket(ring, writeSlot: slot, bytes: wireBytes, report: report)
        if stops { stop(ring, &r) }
    }

    /// The command bits of a packet's last descriptor.
    @inline(__always)
    func lastCommand(_ report: Bool) -> TxCommand { report ? [.endOfPacket, .reportStatus] : .endOfPacket }

    func entryFinished(_ e: Int, slot: Int) {
        writeUnposted[slot] -= 1
        writeQueueLeft[slot * 8 + entries[e].queue] -= 1
    }

    /// Appends the payload pieces of `count` bytes at `offset` into entry `e` to `pieceScratch`: by lookup in the
    /// translation buffer for a registered region (B5/B6), else by walking the page table page by page, each page
    /// pinned for this send (and, behind an IOMMU, mapped when its descriptor is written). False when a page is no
    /// longer mapped.
    func translatePayload(entry e: Int, offset: Int, count: Int, slot: Int, _ r: inout DriverReceipt) -> Bool {
        guard let space = writeSpaces[slot] else { return false }
        let start = entries[e].address + UInt64(offset)
        if entries[e].registered {
            rangeScratch.removeAll(keepingCapacity: true)
            guard translations.translate(space: space, address: VirtualAddress(rawValue: start), length: count,
                                         into: &rangeScratch) else { return false }
            r.translationHits += 1
            for piece in rangeScratch {
                pieceScratch.append(PieceRef(address: piece.address.rawValue, length: piece.length))
            }
            return true
        }
        var current = start
        let end = start + UInt64(count)
        while current < end {
            let page = current >> UInt64(Page.shift)
            if page != entries[e].lastPage {
                do throws(MemoryFault) {
                    let frame = try space.translate(VirtualAddress(rawValue: page << UInt64(Page.shift)))
                    entries[e].lastPage = page
                    entries[e].lastFrame = frame.rawValue
                    r.pageWalks += 1
                    r.transientPins += 1
                } catch {
                    return false
                }
            }
            let within = current & Page.offsetMask
            let n = min(end - current, UInt64(Page.size) - within)
            let frame = entries[e].lastFrame
            pieceScratch.append(PieceRef(address: frame | within, length: Int(n)))
            current += n
        }
        return true
    }

    /// Writes descriptor `d` at the ring's software tail (status byte clear, so that `DD` shows) and advances it.
    @inline(__always)
    func writeDescriptor(_ ring: TransmitRing, _ d: TxDescriptor, _ r: inout DriverReceipt) {
        let (low, high) = d.words
        let address = ring.descriptorAddress(ring.next)
        do throws(MemoryFault) {
            try memory.writeUInt64LE(address, low)
            try memory.writeUInt64LE(address.advanced(by: 8), high)
        } catch {
            internalFaults += 1
        }
        ring.next = (ring.next + 1) & ring.mask
        r.descriptorsWritten += 1
    }

    /// Records a packet just written (ending at the ring's software tail), charges its bytes to the queue's
    /// limit, and tells whether the queue must stop now: over its byte limit, or without room for the largest send.
    func recordPacket(_ ring: TransmitRing, writeSlot: Int, bytes: Int, report: Bool) -> Bool {
        if report { ring.reports.append(ring.packetTail) }
        let bytesOnWire = Int32(clamping: bytes)
        ring.packets.append(TransmitPacket(end: Int32(ring.next), write: Int32(writeSlot), bytes: bytesOnWire))
        ring.limit.queue(bytes)
        return ring.limit.available < 0 || ring.free < largestSendDescriptors
    }

    /// Stops a queue (Linux `netif_tx_stop_queue`), counted as a stall. Its batch ends here: Linux rings a stopped
    /// queue's doorbell whatever `xmit_more` says, and here the kick that ends the call rings it (nothing more can
    /// be posted on the queue before then), so the device sees it when the call's CPU work is done, as every other
    /// doorbell, and the OS arms its watchdog on that kick.
    func stop(_ ring: TransmitRing, _ r: inout DriverReceipt) {
        ring.stopped = true
        if ring.limit.available < 0 { bqlStalls += 1 } else { ringStalls += 1 }
        r.ringFullStalls += 1
    }
}
