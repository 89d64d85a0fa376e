import HostMemory
import SimCore
import WireFormats

/// A receive queue: its registers and where the device fills next.
struct RxQueue: RingRegisters {
    let index: Int
    var registers: QueueRegisterBlock
    /// Next descriptor the device will reserve for an arriving frame (head plus frames in flight).
    var fillPointer: UInt32 = 0
    var framesReceived: UInt64 = 0

    init(index: Int) {
        self.index = index
        self.registers = QueueRegisterBlock(enabled: index == 0)
    }

    var usable: Bool { enabled && ringCount > 0 && tail < ringCount && fillPointer < ringCount }
    /// Posted descriptors not yet reserved.
    var available: Int { usable ? Int((tail + ringCount - fillPointer) % ringCount) : 0 }

    mutating func moveHead(to value: UInt32, idle: Bool) -> Bool {
        guard idle, fillPointer == head else { return false }
        head = value
        fillPointer = value
        return true
    }
}

/// A frame in the receive packet buffer, waiting for its DMA.
struct RxFIFOEntry {
    var frame = FrameHandle(rawValue: 0)
    var queue = 0
    /// Bytes it takes in the packet buffer (``NIC/packetBufferBytes(frameLength:)``).
    var stored = 0
}

extension NIC {
    /// Bytes a frame of `length` bytes takes in the receive packet buffer (datasheet §11.2): the frame with its
    /// 4-byte FCS rounded up to 16 bytes, plus a 16-byte status header.
    static func packetBufferBytes(frameLength length: Int) -> Int {
        (length + EthernetFraming.fcsBytes + 15) / 16 * 16 + 16
    }

    /// Bytes the receive packet buffer holds now: the waiting frames, and the frame crossing the bus until it has.
    var rxPacketBufferUsed: Int { rxFIFOBytes + (simulator.now < rxBusFreeAt ? rxCrossingBytes : 0) }

    /// A frame's last bit arrived from the wire: filter it, pick a queue and store it in the receive packet buffer,
    /// from which it is written to host memory in arrival order (datasheet §11.2).
    public func accept(_ frame: FrameHandle, simulator: Simulator) {
        let frames = simulator.frames
        let length = frames.length(of: frame)
        guard receiveControl.contains(.enable) else {
            _counters.rxDroppedDisabled += 1
            frames.release(frame)
            return
        }
        guard length > 0, length <= configuration.maxFrameBytes else {
            _counters.rxDroppedOversize += 1
            frames.release(frame)
            return
        }
        guard passesAddressFilter(frame) else {
            _counters.rxDroppedFiltered += 1
            frames.release(frame)
            return
        }
        if let i = matchPolicy(frame: frame, receive: true), applyPolicy(i, frame: frame, receive: true) {
            // Redirected by the match-action table: the host never sees it (A5 in hardware).
            _counters.rxRedirected += 1
            frames.release(frame)
            return
        }
        let stored = Self.packetBufferBytes(frameLength: length)
        guard rxPacketBufferUsed + stored <= configuration.rxPacketBufferBytes, !rxFIFO.isFull else {
            // The packet buffer overflows: the frame is missed (8254x RXO, MPC).
            _counters.rxDroppedNoBuffer += 1
            statMissedPackets &+= 1
            frames.release(frame)
            signal(.rxOverrun, path: .other, delayable: false)
            return
        }
        rxFIFO.append(RxFIFOEntry(frame: frame, queue: receiveQueue(for: frame), stored: stored))
        rxFIFOBytes += stored
        pumpReceive()
    }

    /// Starts the DMA of the oldest frame in the packet buffer when the receive DMA is free and its queue has the
    /// descriptors it needs; otherwise it (and every frame behind it) waits. One frame at a time: the next is issued
    /// when the previous one's bytes have crossed the bus (§5), so frames land in arrival order.
    func pumpReceive() {
        let frames = simulator.frames
        while let entry = rxFIFO.first {
            let now = simulator.now
            if now < rxBusFreeAt {
                if !rxWakeScheduled {
                    rxWakeScheduled = true
                    schedule(.receiveWake, at: rxBusFreeAt)
                }
                return
            }
            let q = entry.queue
            let length = frames.length(of: entry.frame)
            let bufferSize = receiveControl.bufferSize
            let needed = (length + bufferSize - 1) / bufferSize
            let ringCount = Int(rxQueues[q].ringCount)
            if !rxQueues[q].enabled || (ringCount > 0 && needed > ringCount - 1) {
                // Disabled, or a ring that can never offer `needed` descriptors: waiting would block the buffer.
                popReceiveFIFO()
                _counters.rxDroppedQueueUnusable += 1
                frames.release(entry.frame)
                continue
            }
            let free = rxQueues[q].available
            guard free >= needed else { return }
            popReceiveFIFO()
            rxQueues[q].fillPointer = (rxQueues[q].fillPointer + UInt32(needed)) % rxQueues[q].ringCount
            // One read round trip for the descriptors, then the frame and the write-backs cross the bus. Writes go
            // the other way from reads on a PCIe link, so receive traffic does not contend with transmit fetches.
            // TLPs (datasheet §5): the descriptor read's completions, one write per MPS of each buffer's share of the
            // frame, one write per descriptor write-back; each adds its overhead bytes.
            var tlps = configuration.dataTLPs(needed * RxDescriptor.size) + needed
            var rest = length
            while rest > 0 {
                let chunk = min(bufferSize, rest)
                tlps += configuration.dataTLPs(chunk)
                rest -= chunk
            }
            let transfer = busTime(
                bytes: length + needed * RxDescriptor.size * 2 + tlps * configuration.tlpOverheadBytes)
            rxBusFreeAt = now + transfer
            rxCrossingBytes = entry.stored
            let landing = now + configuration.dmaReadLatency + transfer + dma.takeAddedLatency()
            schedule(
                .receiveLanded(frame: entry.frame, queue: q, descriptors: needed, bufferSize: bufferSize), at: landing)
            // RXDMT0 when the queue's free descriptors fall to RDMTS of the ring (8254x RCTL.RDMTS).
            if let shift = receiveControl.descriptorThresholdShift {
                let threshold = ringCount >> shift
                if free > threshold, free - needed <= threshold {
                    signal(.rxDescriptorsExhausted, path: .other, delayable: false)
                }
            }
        }
    }

    private func popReceiveFIFO() {
        rxFIFOBytes -= rxFIFO.removeFirst().stored
    }

    /// Queue 0, or with MRQC the flow hash of an IPv4/UDP frame over the enabled queues (datasheet §11).
    func receiveQueue(for frame: FrameHandle) -> Int {
        guard multiQueueReceive & 1 != 0 else { return 0 }
        let frames = simulator.frames
        let base = frames.offset(of: frame)
        guard let view = UDPDatagramView(parsing: frames.bytes, at: base, length: frames.length(of: frame)) else {
            return 0
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in [UInt64(view.ip.source.rawValue), UInt64(view.ip.destination.rawValue),
                     UInt64(view.udp.sourcePort) << 16 | UInt64(view.udp.destinationPort)] {
            h = (h ^ word) &* 0x0000_0100_0000_01B3
        }
        var enabled = 0
        for queue in rxQueues where queue.enabled { enabled += 1 }
        guard enabled > 0 else { return 0 }
        var pick = Int(h % UInt64(enabled))
        for (i, queue) in rxQueues.enumerated() where queue.enabled {
            if pick == 0 { return i }
            pick -= 1
        }
        return 0
    }

    /// The frame's DMA finished: write it into the reserved buffers and write the descriptors back.
    func receiveLanded(frame: FrameHandle, queue q: Int, descriptors needed: Int, bufferSize: Int) {
        let frames = simulator.frames
        defer { frames.release(frame) }
        let count = rxQueues[q].ringCount
        guard count > 0 else { return }
        let length = frames.length(of: frame)
        let base = frames.offset(of: frame)
        var status: RxStatus = []
        var errors: RxErrors = []
        if let view = UDPDatagramView(parsing: frames.bytes, at: base, length: length) {
            status.formUnion([.ipChecksumChecked, .udpChecksumChecked])
            if !view.ipChecksumValid { errors.insert(.ipChecksum) }
            if !view.udpChecksumValid { errors.insert(.l4Checksum) }
        }
        var sum = InternetChecksum()
        if length > EthernetHeader.size {
            sum.add(frames.bytes, from: base + EthernetHeader.size, count: length - EthernetHeader.size)
        }
        var index = rxQueues[q].head
        var written = 0
        for k in 0..<needed {
            let descriptor = rxQueues[q].ringBase &+ UInt64(index) &* UInt64(RxDescriptor.size)
            let chunk = min(bufferSize, length - written)
            var d = RxDescriptor(bufferAddress: 0, length: UInt16(chunk))
            do throws(MemoryFault) {
                try admitTransfer(.receive, at: descriptor, length: chunk)
                let buffer = try dma.readUInt64LE(PhysicalAddress(rawValue: descriptor))
                d.bufferAddress = buffer
                try dma.write(PhysicalAddress(rawValue: buffer), from: frames.bytes, at: base + written, count: chunk)
            } catch {
                errors.insert(.dmaError)
            }
            written += chunk
            d.status = .descriptorDone
            if k == needed - 1 {
                d.status.formUnion(status.union(.endOfPacket))
                d.errors = errors
                d.checksum = sum.partialSum
            }
            d.encode(into: &descriptorScratch, at: 0)
            do throws(MemoryFault) {
                try admitTransfer(.writeBack, at: descriptor &+ 8, length: 8)
                try dma.write(PhysicalAddress(rawValue: descriptor &+ 8), from: descriptorScratch, at: 8, count: 8)
                _counters.descriptorsWrittenBack += 1
            } catch {
                // The ring is unreachable: the driver will not see this frame; counted below.
                errors.insert(.dmaError)
            }
            index = (index + 1) % count
        }
        rxQueues[q].head = index
        if errors.contains(.dmaError) {
            _counters.rxDMAErrors += 1
        } else {
            if !errors.isEmpty { _counters.rxChecksumErrors += 1 }
            rxQueues[q].framesReceived += 1
            _counters.framesReceived += 1
            _counters.octetsReceived += UInt64(length)
            statReceivedPackets &+= 1
            statReceivedOctets &+= UInt64(length)
        }
        signal(.rxTimer, path: .receive, delayable: true, queue: q)
    }
}
