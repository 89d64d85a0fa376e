import HostMemory
import SimCore
import WireFormats

extension NIC {
    /// Moves the transmit side forward: descriptor batches and packet data over the bus, frames onto the wire.
    func pumpTransmit() {
        guard transmitControl.contains(.enable) else { return }
        issueFetches()
        if !macBusy { startNextOnMAC(at: max(simulator.now, macFreeAt)) }
    }

    /// Starts bus transfers, queue by queue in turn, while the bus is free and some queue has work.
    func issueFetches() {
        while true {
            if simulator.now < dmaFreeAt {
                if !fetchSlotScheduled { scheduleFetchSlot() }
                return
            }
            var worked = false
            for step in 0..<txQueues.count {
                let q = TxQueue.wrap(nextFetchQueue, step, txQueues.count)
                if fetchPacket(queue: q) || fetchDescriptors(queue: q) {
                    nextFetchQueue = TxQueue.wrap(q, 1, txQueues.count)
                    worked = true
                    break
                }
            }
            if !worked { return }
        }
    }

    /// Asks for a `fetchSlot` event when the bus frees (`dmaFreeAt`), unless no queue has anything to fetch.
    ///
    /// Such a slot would find nothing to do (its MAC start too: every change that readies a frame starts the MAC
    /// itself), and whatever gives a queue work before the bus frees (a tail or control write, arriving
    /// descriptors, a frame leaving the packet buffer) comes through here again. So the slot is left out, with
    /// the sequence number it would have had set aside: when work comes before the bus frees, the slot is
    /// scheduled with that number and runs exactly where it would have; when none comes, the run differs only by
    /// the empty event.
    func scheduleFetchSlot() {
        if skippedSlotAt != dmaFreeAt {
            guard hasFetchWork else {
                skippedSlotAt = dmaFreeAt
                skippedSlotSequence = simulator.reserveSequenceNumbers(1)
                return
            }
            schedule(.fetchSlot, at: dmaFreeAt)
        } else {
            guard hasFetchWork else { return }
            skippedSlotAt = .never
            simulator.schedule(
                NICEvent.Stamped(.fetchSlot, generation: generation), at: dmaFreeAt,
                reservedSequence: skippedSlotSequence, for: id)
        }
        fetchSlotScheduled = true
    }

    /// Whether ``fetchPacket(queue:)`` or ``fetchDescriptors(queue:)`` could start for some queue if the bus
    /// were free. False means both would return false for every queue; true may be wrong only that way round.
    var hasFetchWork: Bool {
        for q in txQueues.indices where txQueues[q].usable {
            if mayFetchPacket(queue: q) || descriptorBatchSize(queue: q) > 0 { return true }
        }
        return false
    }

    /// False when ``fetchPacket(queue:)`` would return false for `queue`: no descriptor cached, or a plain packet
    /// (no context descriptor, no error to report) that waits for a free record or room in the packet buffer.
    /// Anything else may fetch.
    @inline(__always)
    func mayFetchPacket(queue q: Int) -> Bool {
        let cached = txQueues[q].cacheCount
        guard cached > 0 else { return false }
        // With a record free and room for a frame of the largest size, whatever is cached goes (or fails).
        let free = txQueues[q].recordsFree >= 1
        if free && bufferedBytes + configuration.maxFrameBytes <= configuration.txPacketBufferBytes { return true }
        var length = 0
        for n in 0..<cached {
            let d = txQueues[q].cached(n)
            if d.status.contains(.dmaError) || d.command.contains(.extended) { return true }
            length += Int(d.length)
            if d.command.contains(.endOfPacket) {
                if length == 0 || length > configuration.maxFrameBytes { return true }
                return free && (bufferedBytes == 0 || bufferedBytes + length <= configuration.txPacketBufferBytes)
            }
        }
        return true
    }

    /// Schedules the slot left out for the transfer in progress when a queue has work now: for changes that may
    /// give one work outside ``pumpTransmit()`` (error packets that leave without the wire free records and
    /// buffer space).
    func recheckSkippedSlot() {
        if !fetchSlotScheduled && skippedSlotAt == dmaFreeAt && simulator.now < dmaFreeAt { scheduleFetchSlot() }
    }

    /// Reads the next batch of descriptors of `queue` into its cache; false when there is nothing to do.
    func fetchDescriptors(queue q: Int) -> Bool {
        let n = descriptorBatchSize(queue: q)
        guard n > 0 else { return false }
        let count = txQueues[q].ringCount
        let ringBase = txQueues[q].ringBase
        let firstIndex = txQueues[q].fetchPointer
        var index = firstIndex
        for i in 0..<n {
            let address = ringBase &+ UInt64(index) &* UInt64(TxDescriptor.size)
            var d: TxDescriptor
            do throws(MemoryFault) {
                try admitTransfer(.descriptorFetch, at: address, length: TxDescriptor.size)
                try dma.read(
                    PhysicalAddress(rawValue: address), count: TxDescriptor.size, into: &descriptorScratch, at: 0)
                d =
                    TxDescriptor(decoding: descriptorScratch, at: 0)
                    ?? TxDescriptor(bufferAddress: 0, length: 0, command: [])
                d.status = []
            } catch {
                // The ring itself is unreadable here: this descriptor ends a packet with a DMA error.
                d = TxDescriptor(bufferAddress: 0, length: 0, command: .endOfPacket, status: .dmaError)
            }
            txQueues[q].cache.append(d)
            index = index + 1 == count ? 0 : index + 1
        }
        txQueues[q].cachePending = n
        if simulator.tracer != nil {
            simulator.trace(name, "descriptor-fetch", [
                ("queue", .int(Int64(q))), ("first", .int(Int64(firstIndex))), ("count", .int(Int64(n))),
                ("address", .address(ringBase &+ UInt64(firstIndex) &* UInt64(TxDescriptor.size))),
            ])
        }
        _counters.descriptorsFetched += UInt64(n)
        _counters.descriptorBatches += 1
        // One read of 16·n bytes: its completions, each with its TLP overhead, cross the bus (datasheet §5).
        let transfer = descriptorBusMemo.duration(bits: Int64(configuration.linkBytes(n * TxDescriptor.size)) * 8)
        dmaFreeAt = simulator.now + transfer
        // IOTLB misses (when an IOMMU sits in the path) lengthen this transfer's round trip.
        schedule(.descriptorsArrived(queue: q), after: configuration.dmaReadLatency + transfer + dma.takeAddedLatency())
        return true
    }

    /// How many descriptors ``fetchDescriptors(queue:)`` reads for `queue` now: as many as the ring offers and the
    /// cache has room for, once the cache holds no whole packet or has fallen to half (the prefetch threshold);
    /// 0 while the queue is off or a batch is in flight.
    @inline(__always)
    func descriptorBatchSize(queue q: Int) -> Int {
        // (No local copy of the queue: it would share the cache's storage and force a copy on the next write.)
        guard txQueues[q].usable, txQueues[q].cachePending == 0 else { return 0 }
        let cached = txQueues[q].cacheCount
        let capacity = txQueues[q].cache.capacity
        let n = min(capacity - cached, txQueues[q].available)
        guard n > 0 else { return 0 }
        if cached < capacity / 2 { return n }
        // A whole packet is cached when a data descriptor ends one.
        for i in 0..<cached {
            let command = txQueues[q].cached(i).command
            if command.contains(.endOfPacket) && !command.contains(.extended) { return 0 }
        }
        return n
    }

    /// Traces how many descriptors of transmit queue `q` the device owns (tail − head).
    func traceRing(_ q: Int) {
        let count = Int64(txQueues[q].ringCount)
        guard count > 0 else { return }
        let owned = (Int64(txQueues[q].tail) - Int64(txQueues[q].head) + count) % count
        simulator.trace(name, "tx-ring", [("queue", .int(Int64(q))), ("occupancy", .int(owned)), ("size", .int(count))])
    }

    func busTime(bytes: Int) -> SimDuration {
        SimDuration.serialization(bits: Int64(bytes) * 8, bitsPerSecond: configuration.dmaBytesPerSecond * 8)
    }

    /// Takes the next whole packet of `queue` out of its cache and reads its buffers; false when none can go now.
    func fetchPacket(queue q: Int) -> Bool {
        guard txQueues[q].usable, txQueues[q].cacheCount > 0 else { return false }
        let cached = txQueues[q].cacheCount
        // Find the packet's extent: an optional context descriptor, then data descriptors through EOP.
        var n = 0
        var end = -1
        var problems = TxStatus()
        while n < cached {
            let d = txQueues[q].cached(n)
            n += 1
            if d.status.contains(.dmaError) {
                problems.insert(.dmaError)
                end = n
                break
            }
            if d.command.contains(.extended) {
                // A context descriptor opens a packet; one elsewhere, or one carrying EOP, is malformed and its
                // EOP (if any) still ends the packet.
                if n != 1 || d.command.contains(.endOfPacket) { problems.insert(.formatError) }
                if !d.command.contains(.endOfPacket) { continue }
                end = n
                break
            }
            if d.command.contains(.endOfPacket) {
                end = n
                break
            }
        }
        if end < 0 {
            // No end yet. It can never come if the cache is full, or if every descriptor of the ring is cached.
            let ringFull = txQueues[q].cachePending == 0 && txQueues[q].available == 0
                && cached >= Int(txQueues[q].ringCount) - 1
            guard cached == txQueues[q].cache.capacity || ringFull else { return false }
            end = cached
            problems.insert(.formatError)
        }
        let first = txQueues[q].cached(0)
        let context: TxContextDescriptor? = first.command.contains(.extended) ? TxContextDescriptor(first) : nil
        let dataStart = context == nil ? 0 : 1
        var length = 0
        var reportStatus = false
        var delayable = false
        var reportSent = false
        for i in 0..<end {
            let d = txQueues[q].cached(i)
            if d.command.contains(.reportStatus) { reportStatus = true }
            if d.command.contains(.reportPacketSent) { reportSent = true }
            if d.command.contains(.interruptDelay) { delayable = true }
            if i >= dataStart { length += Int(d.length) }
        }
        let segmenting = context?.flags.contains(.segment) ?? false
        let limit = segmenting ? configuration.maxSegmentationBytes : configuration.maxFrameBytes
        if problems.isEmpty && (length == 0 || length > limit) { problems.insert(.lengthError) }
        var segments = 1
        if problems.isEmpty, let context {
            if let s = validate(context, length: length) { segments = s } else { problems.insert(.formatError) }
        }
        // A launch time holds the fetch until launch − FETCHTIME_DELTA (datasheet §10.3).
        var launch: UInt64?
        if problems.isEmpty, let context, context.flags.contains(.launchTime) {
            let t = launchDeviceNanoseconds(queue: q, field: context.launchTimeNanoseconds)
            guard launchFetchAllowed(queue: q, launch: t) else { return false }
            launch = t
        }
        if problems.isEmpty {
            guard txQueues[q].recordsFree >= segments else { return false }
            guard bufferedBytes == 0 || bufferedBytes + length <= configuration.txPacketBufferBytes else {
                return false
            }
        } else {
            guard txQueues[q].recordsFree >= 1 else { return false }
        }
        let firstDescriptor = txQueues[q].cacheRingIndex
        let firstBufferAddress = txQueues[q].cached(dataStart < end ? dataStart : 0).bufferAddress

        var record = TxFrameRecord()
        record.firstDescriptor = firstDescriptor
        record.descriptorCount = UInt32(end)
        record.reportStatus = reportStatus || reportSent
        record.delayable = delayable
        record.completesOnWire = reportSent
        if let launch {
            record.launchDevice = launch
            record.launchTime = launchVirtualPicoseconds(launch)
            // Done when the MAC sends or drops it, so that a late drop can still be reported (datasheet §4.5).
            record.completesOnWire = true
        }
        guard problems.isEmpty else {
            txQueues[q].consumeCached(end)
            queueFailed(record, errors: problems, queue: q)
            return true
        }

        // Gather the buffers: straight into a frame, or into the staging area for segmentation.
        let frames = simulator.frames
        var gathered = 0
        // Link bytes of the buffers' reads: each buffer is one read, its completions MPS-sized TLPs (datasheet §5).
        var linkBytes = 0
        var frame = FrameHandle(rawValue: 0)
        if !segmenting { frame = frames.allocate() }
        for i in dataStart..<end {
            let d = txQueues[q].cached(i)
            let count = Int(d.length)
            if count == 0 { continue }
            do throws(MemoryFault) {
                try admitTransfer(.payload, at: d.bufferAddress, length: count)
                if segmenting {
                    try dma.read(PhysicalAddress(rawValue: d.bufferAddress), count: count, into: &staging, at: gathered)
                } else {
                    try dma.read(PhysicalAddress(rawValue: d.bufferAddress), count: count, into: &frames.bytes,
                                 at: frames.offset(of: frame) + gathered)
                }
            } catch {
                problems.insert(.dmaError)
                break
            }
            gathered += count
            linkBytes += configuration.linkBytes(count)
        }
        if problems.isEmpty && !segmenting {
            frames.setLength(length, of: frame)
            if first.command.contains(.insertChecksum)
                || (context.map { !$0.flags.isDisjoint(with: [.ipChecksum, .udpChecksum]) } ?? false)
            {
                if !offloadChecksums(
                    frame: frame, length: length, legacy: dataStart == 0 ? first : nil, context: context)
                {
                    problems.insert(.formatError)
                }
            }
        }
        txQueues[q].consumeCached(end)
        prefetchUpcoming(queue: q)
        if !problems.isEmpty {
            if !segmenting { frames.release(frame) }
            queueFailed(record, errors: problems, queue: q)
            return true
        }
        if segmenting, let context {
            cutSegments(queue: q, length: length, context: context, packet: record)
        } else {
            record.frame = frame
            record.hasFrame = true
            record.length = length
            record.completesPacket = true
            applyTransmitPolicy(&record)
            txQueues[q].append(record)
            bufferedBytes += record.length
        }
        let transfer = packetBusMemo.duration(bits: Int64(linkBytes) * 8)
        dmaFreeAt = simulator.now + transfer
        if simulator.tracer != nil {
            simulator.trace(name, "dma-read", [
                ("queue", .int(Int64(q))), ("descriptor", .int(Int64(firstDescriptor))), ("count", .int(Int64(end))),
                ("address", .address(firstBufferAddress)), ("bytes", .int(Int64(length))),
                ("segments", .int(Int64(segments))),
            ])
        }
        schedule(.packetFetched(queue: q), after: configuration.dmaReadLatency + transfer + dma.takeAddedLatency())
        return true
    }

    /// Queues the record of a packet that failed before the wire, complete and ready at once so that its
    /// write-back reports `errors` in queue order.
    private func queueFailed(_ record: TxFrameRecord, errors: TxStatus, queue q: Int) {
        var record = record
        record.errors = errors
        record.completesPacket = true
        record.ready = true
        txQueues[q].append(record)
        advanceCompletions(queue: q)
    }

    /// Applies a transmit match-action entry to a frame about to queue: copies go to the hairpin queue; a
    /// redirect keeps the record (for write-back) but replaces its frame by nothing on the wire.
    func applyTransmitPolicy(_ r: inout TxFrameRecord) {
        guard let i = matchPolicy(frame: r.frame, receive: false), applyPolicy(i, frame: r.frame, receive: false) else {
            return
        }
        simulator.frames.release(r.frame)
        r.hasFrame = false
        r.length = 0
        r.redirected = true
    }

    /// Checks a context descriptor against the packet; returns the number of segments, or nil when impossible.
    func validate(_ c: TxContextDescriptor, length: Int) -> Int? {
        let header = Int(c.headerLength)
        let ip = Int(c.ipOffset)
        let udp = Int(c.udpOffset)
        let rtp = c.flags.contains(.rtp) ? RTPHeader.size : 0
        guard ip >= EthernetHeader.size, udp >= ip + IPv4Header.minimumSize, header >= udp + UDPHeader.size + rtp,
              header <= length, header < configuration.maxFrameBytes else { return nil }
        guard c.flags.contains(.segment) else { return 1 }
        let payload = length - header
        let mss = Int(c.mss)
        guard mss > 0, header + mss <= configuration.maxFrameBytes else { return nil }
        let segments = payload <= mss ? 1 : (payload + mss - 1) / mss
        return segments <= configuration.maxSegments ? segments : nil
    }

    /// Computes the checksums a packet asked for, in the frame's bytes.
    func offloadChecksums(frame: FrameHandle, length: Int, legacy: TxDescriptor?, context: TxContextDescriptor?) -> Bool
    {
        let frames = simulator.frames
        let base = frames.offset(of: frame)
        if let d = legacy, d.command.contains(.insertChecksum) {
            let start = Int(d.checksumStart)
            let at = Int(d.checksumOffset)
            guard start < length, at + 2 <= length else { return false }
            InternetChecksum.insertChecksum(into: &frames.bytes, start: base + start, end: base + length,
                                            checksumOffset: base + at, zeroAsAllOnes: true)
            _counters.checksumsInserted += 1
        }
        if let c = context {
            if c.flags.contains(.ipChecksum) { insertIPChecksum(&frames.bytes, ip: base + Int(c.ipOffset)) }
            if c.flags.contains(.udpChecksum) {
                insertUDPChecksum(
                    &frames.bytes, ip: base + Int(c.ipOffset), udp: base + Int(c.udpOffset), end: base + length)
            }
        }
        return true
    }

    func insertIPChecksum(_ bytes: inout [UInt8], ip: Int) {
        let ihl = Int(bytes[ip] & 0x0F) * 4
        bytes[ip + 10] = 0
        bytes[ip + 11] = 0
        let sum = IPv4Header.computeChecksum(bytes, at: ip, length: max(ihl, IPv4Header.minimumSize))
        NetworkBytes.setUInt16(&bytes, ip + 10, sum)
        _counters.checksumsInserted += 1
    }

    func insertUDPChecksum(_ bytes: inout [UInt8], ip: Int, udp: Int, end: Int) {
        let source = IPv4Address(rawValue: NetworkBytes.getUInt32(bytes, ip + 12) ?? 0)
        let destination = IPv4Address(rawValue: NetworkBytes.getUInt32(bytes, ip + 16) ?? 0)
        bytes[udp + 6] = 0
        bytes[udp + 7] = 0
        var sum = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                                protocolNumber: IPv4Header.udpProtocolNumber, length: UInt16(end - udp))
        sum.add(bytes, from: udp, count: end - udp)
        var value = sum.checksum
        if value == 0 { value = 0xFFFF }
        NetworkBytes.setUInt16(&bytes, udp + 6, value)
        _counters.checksumsInserted += 1
    }

    /// Cuts the staged packet into complete UDP datagrams (datasheet §7.2), one frame record each.
    func cutSegments(queue q: Int, length: Int, context c: TxContextDescriptor, packet: TxFrameRecord) {
        let frames = simulator.frames
        let header = Int(c.headerLength)
        let ip = Int(c.ipOffset)
        let udp = Int(c.udpOffset)
        let payload = length - header
        let mss = Int(c.mss)
        let count = payload <= mss ? 1 : (payload + mss - 1) / mss
        let identification = NetworkBytes.getUInt16(staging, ip + 4) ?? 0
        let rtpSequence = c.flags.contains(.rtp) ? (NetworkBytes.getUInt16(staging, udp + 8 + 2) ?? 0) : 0
        _counters.segmentedPackets += 1
        _counters.segmentsProduced += UInt64(count)
        for s in 0..<count {
            let size = s == count - 1 ? payload - s * mss : mss
            let frame = frames.allocate()
            let base = frames.offset(of: frame)
            for i in 0..<header { frames.bytes[base + i] = staging[i] }
            let from = header + s * mss
            for i in 0..<size { frames.bytes[base + header + i] = staging[from + i] }
            let total = header + size
            frames.setLength(total, of: frame)
            NetworkBytes.setUInt16(&frames.bytes, base + ip + 2, UInt16(total - ip))
            NetworkBytes.setUInt16(&frames.bytes, base + ip + 4, identification &+ UInt16(truncatingIfNeeded: s))
            NetworkBytes.setUInt16(&frames.bytes, base + udp + 4, UInt16(total - udp))
            if c.flags.contains(.rtp) {
                NetworkBytes.setUInt16(&frames.bytes, base + udp + 8 + 2, rtpSequence &+ UInt16(truncatingIfNeeded: s))
            }
            insertIPChecksum(&frames.bytes, ip: base + ip)
            insertUDPChecksum(&frames.bytes, ip: base + ip, udp: base + udp, end: base + total)
            var r = packet
            r.frame = frame
            r.hasFrame = true
            r.length = total
            r.completesPacket = s == count - 1
            if s > 0 { r.launchTime = Int64.min }
            applyTransmitPolicy(&r)
            txQueues[q].append(r)
            bufferedBytes += r.length
        }
    }

    // MARK: MAC

    /// Chooses the next frame for the wire, starting no earlier than `start`, queue by queue in turn.
    func startNextOnMAC(at start: SimTime) {
        if !hairpin.isEmpty {
            let frame = hairpin.removeFirst()
            macBusy = true
            macQueue = -1
            macHairpinFrame = frame
            transmitObserver?.observe(frame, at: start, simulator: simulator)
            let bits = Int64(EthernetFraming.bytesOnWire(frameLength: simulator.frames.length(of: frame)) * 8)
            schedule(.transmitDone, at: start + wireMemo.duration(bits: bits))
            return
        }
        var wake = SimTime.never
        var step = 0
        while step < txQueues.count {
            let q = TxQueue.wrap(nextMACQueue, step, txQueues.count)
            guard let r = txQueues[q].oldest, r.ready else {
                step += 1
                continue
            }
            if !r.errors.isEmpty || txQueues[q].dropRestOfPacket || r.redirected {
                // Error packets (and the rest of a dropped late packet) leave in ring order without the wire.
                var (done, wasCompleted) = txQueues[q].popOldest()
                if done.hasFrame {
                    simulator.frames.release(done.frame)
                    bufferedBytes -= done.length
                }
                if txQueues[q].dropRestOfPacket && !done.redirected { done.errors.insert(.late) }
                if done.completesPacket { txQueues[q].dropRestOfPacket = false }
                if !wasCompleted { advanceCompletions(queue: q, sent: done) }
                recheckSkippedSlot()
                step = 0
                continue
            }
            if r.launchTime != Int64.min {
                let launch = SimTime(rawValue: r.launchTime)
                if launch > start {
                    wake = min(wake, launch)
                    step += 1
                    continue
                }
                _counters.launchTimedFrames += 1
                if launch < start {
                    _counters.lateFrames += 1
                    statLate &+= 1
                    if launchControl & 1 != 0 {
                        _counters.lateFramesDropped += 1
                        txQueues[q].dropRestOfPacket = true
                        continue
                    }
                }
            }
            macBusy = true
            macQueue = q
            nextMACQueue = TxQueue.wrap(q, 1, txQueues.count)
            transmitObserver?.observe(r.frame, at: start, simulator: simulator)
            if let tracer = simulator.tracer {
                tracer.record(TraceRecord(time: start, component: name, event: "wire", fields: [
                    ("queue", .int(Int64(q))), ("descriptor", .int(Int64(r.firstDescriptor))),
                ] + simulator.frames.traceFields(of: r.frame)))
            }
            let bits = Int64(EthernetFraming.bytesOnWire(frameLength: r.length) * 8)
            let lastBit = start + wireMemo.duration(bits: bits)
            schedule(.transmitDone, at: lastBit)
            return
        }
        macBusy = false
        if wake < macWakeScheduled {
            macWakeScheduled = wake
            schedule(.macWake, at: wake)
        }
    }

    func finishOnMAC() {
        if macQueue < 0 {
            let frame = macHairpinFrame
            let length = simulator.frames.length(of: frame)
            _counters.hairpinFrames += 1
            _counters.framesTransmitted += 1
            _counters.octetsTransmitted += UInt64(length)
            statGoodPackets &+= 1
            statGoodOctets &+= UInt64(length)
            if let wireReference {
                wireReference.accept(frame, simulator: simulator)
            } else {
                simulator.frames.release(frame)
            }
            macBusy = false
            macFreeAt = simulator.now + interPacketGap
            pumpTransmit()
            // Device-made frames go out whether or not the driver's transmitter is enabled.
            if !macBusy && !hairpin.isEmpty { startNextOnMAC(at: macFreeAt) }
            return
        }
        let q = macQueue
        let (r, wasCompleted) = txQueues[q].popOldest()
        bufferedBytes -= r.length
        txQueues[q].framesSent += 1
        _counters.framesTransmitted += 1
        _counters.octetsTransmitted += UInt64(r.length)
        statGoodPackets &+= 1
        statGoodOctets &+= UInt64(r.length)
        if let wireReference {
            wireReference.accept(r.frame, simulator: simulator)
        } else {
            simulator.frames.release(r.frame)
        }
        if !wasCompleted {
            // A packet done on the wire (`RPS`, launch time) completes at its last frame's last bit.
            advanceCompletions(queue: q, sent: r)
        }
        macBusy = false
        macFreeAt = simulator.now + interPacketGap
        pumpTransmit()
    }

    /// Completes, in ring order, the packets of `queue` that are done: fetched into the packet buffer, or (for those
    /// done on the wire) sent (datasheet §4.5).
    /// `sent` is a frame done on the wire that just left (or was dropped); it completes first when it ends its packet.
    /// The causes of all these completions are one report (datasheet §6.1: one event, one signal).
    func advanceCompletions(queue q: Int, sent: TxFrameRecord? = nil) {
        var report = CompletionReport()
        if let sent, sent.completesPacket { complete(sent, queue: q, into: &report) }
        while let r = txQueues[q].nextCompletable() {
            if r.completesPacket { complete(r, queue: q, into: &report) }
        }
        guard !report.cause.isEmpty else { return }
        // Masked causes stay in ICR without stopping the completion from being delayed.
        let onlyDelayable = report.cause.intersection(interruptMask) == .txDescriptorWritten && report.delayable
        signal(report.cause, path: report.cause.contains(.txDescriptorWritten) ? .transmit : .other,
               delayable: onlyDelayable, queue: q)
    }

    /// The causes completions earned, and whether every write-back among them came from an `IDE` packet.
    struct CompletionReport {
        var cause = InterruptCause()
        var delayable = true
    }

    /// A packet is done: moves the head past it, writes its status back (now, or held while WTHRESH > 0) and raises
    /// the causes its write-backs earned (datasheet §4.5).
    func complete(_ r: TxFrameRecord, queue q: Int, into report: inout CompletionReport) {
        let count = txQueues[q].ringCount
        guard count > 0 else { return }
        let last = (r.firstDescriptor + r.descriptorCount - 1) % count
        var cause = InterruptCause()
        var delayable = false
        txQueues[q].head = (r.firstDescriptor + r.descriptorCount) % count
        if r.errors.subtracting(.late).isEmpty {
            if r.reportStatus {
                let n = txQueues[q].heldCount
                txQueues[q].heldDescriptors[n] = last
                txQueues[q].heldStatus[n] = TxStatus.descriptorDone.union(r.errors).rawValue
                txQueues[q].heldCount = n + 1
                if !r.delayable { txQueues[q].heldDelayable = false }
                if n + 1 >= max(Int(txQueues[q].writeBackThreshold), 1) {
                    delayable = txQueues[q].heldDelayable
                    if flushWriteBacks(queue: q) { cause.insert(.txDescriptorWritten) }
                }
            }
        } else {
            // Errors are always reported at once, on the packet's last descriptor (after what was held, in ring
            // order), also with head write-back.
            if flushWriteBacks(queue: q) { cause.insert(.txDescriptorWritten) }
            writeStatus(r.errors.union(.descriptorDone), queue: q, descriptor: last)
            if let address = txQueues[q].headWriteBackAddress { writeHead(queue: q, to: address) }
            if r.errors.contains(.dmaError) { _counters.txDMAErrors += 1 }
            if r.errors.contains(.lengthError) { _counters.txLengthErrors += 1 }
            if r.errors.contains(.formatError) { _counters.txFormatErrors += 1 }
            statDescriptorErrors &+= 1
            cause.formUnion(r.reportStatus ? [.txDescriptorError, .txDescriptorWritten] : .txDescriptorError)
        }
        if simulator.tracer != nil {
            simulator.trace(name, "writeback", [
                ("queue", .int(Int64(q))), ("descriptor", .int(Int64(last))), ("head", .int(Int64(txQueues[q].head))),
                ("errors", .address(UInt64(r.errors.rawValue))),
            ])
            traceRing(q)
        }
        if txQueues[q].head == txQueues[q].tail && txQueues[q].cacheCount == 0 && txQueues[q].cachePending == 0
            && txQueues[q].completedRecords == txQueues[q].records.count {
            // Every descriptor the driver made ready is done: nothing stays held (datasheet §4.5).
            _counters.txRingEmptyEvents += 1
            cause.insert(.txQueueEmpty)
            if txQueues[q].heldCount > 0 {
                delayable = txQueues[q].heldDelayable
                if flushWriteBacks(queue: q) { cause.insert(.txDescriptorWritten) }
            }
        }
        // One event, one signal: causes that may not wait take the others along (datasheet §6).
        report.cause.formUnion(cause)
        if cause.contains(.txDescriptorWritten) && !delayable { report.delayable = false }
    }

    /// Writes back every held completion of `queue`: the `STA` bytes of its held report points, or, with head
    /// write-back enabled, the head index once. False when nothing was held.
    func flushWriteBacks(queue q: Int) -> Bool {
        let n = txQueues[q].heldCount
        guard n > 0 else { return false }
        if let address = txQueues[q].headWriteBackAddress {
            writeHead(queue: q, to: address)
        } else {
            for i in 0..<n {
                writeStatus(TxStatus(rawValue: txQueues[q].heldStatus[i]), queue: q,
                            descriptor: txQueues[q].heldDescriptors[i])
            }
        }
        txQueues[q].heldCount = 0
        txQueues[q].heldDelayable = true
        return true
    }

    /// Writes back what every queue holds, because an interrupt is about to be owed or sent (datasheet §4.5);
    /// true when something was written (a `TXDW` earned).
    func flushAllWriteBacks() -> Bool {
        var any = false
        for q in txQueues.indices where txQueues[q].heldCount > 0 {
            if flushWriteBacks(queue: q) { any = true }
        }
        return any
    }

    /// In MSI-X mode: writes back what the transmit queues IVAR maps to vector `v` hold; true when something was
    /// written (a `TXDW` for that vector).
    func flushWriteBacks(vector v: Int) -> Bool {
        var any = false
        for q in txQueues.indices where txQueues[q].heldCount > 0 && msix.queueVector(q, transmit: true) == v {
            if flushWriteBacks(queue: q) { any = true }
        }
        return any
    }

    func writeStatus(_ status: TxStatus, queue q: Int, descriptor index: UInt32) {
        let address =
            txQueues[q].ringBase &+ UInt64(index) &* UInt64(TxDescriptor.size) &+ UInt64(TxDescriptor.statusOffset)
        do throws(MemoryFault) {
            try admitTransfer(.writeBack, at: address, length: 1)
            try dma.writeUInt8(PhysicalAddress(rawValue: address), status.rawValue)
            _counters.descriptorsWrittenBack += 1
        } catch {
            // The ring itself is unreachable: nothing to write back to; the head still moves.
        }
    }

    /// Head write-back: the queue's head index, 32 bits little-endian, at `address` (TDWBAL/TDWBAH, datasheet §2.2).
    func writeHead(queue q: Int, to address: UInt64) {
        do throws(MemoryFault) {
            try admitTransfer(.writeBack, at: address, length: 4)
            try dma.writeUInt32LE(PhysicalAddress(rawValue: address), txQueues[q].head)
            _counters.descriptorsWrittenBack += 1
        } catch {
            // The address is unreachable: the write is lost; the head register still moves.
        }
    }
}

extension NIC {
    /// Applies a write to a transmit queue's write-back settings (TXDCTL's `WTHRESH`, TDWBAL, TDWBAH); false when
    /// `field` is another register. Lowering `WTHRESH` to what is already held writes it back at once.
    func writeTransmitWriteBackRegister(queue q: Int, field: UInt32, _ value: UInt32) -> Bool {
        switch field {
        case NICRegister.QueueOffset.control:
            txQueues[q].writeBackThreshold = (value & NICRegister.QueueOffset.writeBackThresholdMask)
                >> NICRegister.QueueOffset.writeBackThresholdShift
            if txQueues[q].heldCount > 0 && txQueues[q].heldCount >= Int(txQueues[q].writeBackThreshold) {
                let delayable = txQueues[q].heldDelayable
                if flushWriteBacks(queue: q) {
                    signal(.txDescriptorWritten, path: .transmit, delayable: delayable, queue: q)
                }
            }
            return false
        case NICRegister.QueueOffset.headWriteBackLow:
            txQueues[q].headWriteBackLow = value & ~2
            return true
        case NICRegister.QueueOffset.headWriteBackHigh:
            txQueues[q].headWriteBackHigh = value
            return true
        default:
            return false
        }
    }
}
