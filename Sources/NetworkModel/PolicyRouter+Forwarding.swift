import SimCore
import WireFormats

/// Frame layout constants of the router's forwarding path (field access: ``FrameBytes``).
enum RouterFrame {
    static let ethernetHeaderBytes = 14
    static let etherTypeOffset = 12
    static let ipv4: UInt16 = 0x0800
    static let arp: UInt16 = 0x0806
    /// Offsets inside the IPv4 header.
    static let ttlOffset = 8
    static let protocolOffset = 9
    static let checksumOffset = 10
    static let sourceOffset = 12
    static let destinationOffset = 16
    /// Offsets inside the UDP header.
    static let udpDestinationPortOffset = 2
    static let udpChecksumOffset = 6
    static let udpHeaderBytes = 8

    /// RFC 1624 equation 3 applied to a 32-bit field (two 16-bit words).
    @inline(__always)
    static func updated(_ checksum: UInt16, old: UInt32, new: UInt32) -> UInt16 {
        let high = InternetChecksum.updated(
            checksum, oldWord: UInt16(truncatingIfNeeded: old >> 16), newWord: UInt16(truncatingIfNeeded: new >> 16))
        return InternetChecksum.updated(
            high, oldWord: UInt16(truncatingIfNeeded: old), newWord: UInt16(truncatingIfNeeded: new))
    }
}

extension PolicyRouter {
    /// A frame's last bit has arrived on `port` (the port's ingress sink, ``ingress(_:)``, calls this).
    public func receive(_ frame: FrameHandle, port: Int, simulator: Simulator) {
        let p = ports[port]
        p.counters.framesIn += 1
        p.counters.bytesIn += simulator.frames.length(of: frame)
        if forwardingLatency == .zero {
            forward(frame, from: port, simulator: simulator)
        } else {
            simulator.schedule(ForwardingEvent.forward(frame, ingress: port), after: forwardingLatency, for: id)
        }
    }

    /// The forwarding decision for a frame that arrived on `ingress` (see the type's discussion for the order).
    func forward(_ frame: FrameHandle, from ingress: Int, simulator: Simulator) {
        let frames = simulator.frames
        let length = frames.length(of: frame)
        let start = frames.offset(of: frame)
        guard length >= RouterFrame.ethernetHeaderBytes else {
            return drop(frame, &globalCounters.malformedDrops, simulator)
        }
        let port = ports[ingress]
        let destinationMAC = FrameBytes.getMAC(frames.bytes, start)
        let etherType = FrameBytes.get16(frames.bytes, start + RouterFrame.etherTypeOffset)
        if etherType == RouterFrame.arp {
            return answerARP(frame, start: start, length: length, destinationMAC: destinationMAC, on: port, simulator)
        }
        guard destinationMAC == port.mac.rawValue else {
            return drop(frame, &globalCounters.notAddressedDrops, simulator)
        }
        guard etherType == RouterFrame.ipv4 else {
            return drop(frame, &globalCounters.notIPv4Drops, simulator)
        }

        // The IPv4 header, checked as RFC 1812 §5.2.2 asks before anything is forwarded.
        let ip = start + RouterFrame.ethernetHeaderBytes
        let available = length - RouterFrame.ethernetHeaderBytes
        guard available >= IPv4Header.minimumSize else {
            return drop(frame, &globalCounters.malformedDrops, simulator)
        }
        let versionIHL = frames.bytes[ip]
        let ihl = Int(versionIHL & 0x0F) * 4
        let totalLength = Int(FrameBytes.get16(frames.bytes, ip + 2))
        guard versionIHL >> 4 == 4, ihl >= IPv4Header.minimumSize, ihl <= totalLength, totalLength <= available
        else {
            return drop(frame, &globalCounters.malformedDrops, simulator)
        }
        guard IPv4Header.verifyChecksum(frames.bytes, at: ip) else {
            return drop(frame, &globalCounters.badChecksumDrops, simulator)
        }
        guard frames.bytes[ip + RouterFrame.ttlOffset] > 1 else {
            return drop(frame, &globalCounters.ttlExpiredDrops, simulator)
        }

        // The policy control protocol (NPCP) on the router's own address: an OS hands its policies over (A5, A6).
        if frames.bytes[ip + RouterFrame.protocolOffset] == IPv4Header.udpProtocolNumber,
            FrameBytes.get32(frames.bytes, ip + RouterFrame.destinationOffset) == port.address.rawValue,
            totalLength - ihl >= RouterFrame.udpHeaderBytes,
            FrameBytes.get16(frames.bytes, ip + ihl + RouterFrame.udpDestinationPortOffset)
                == PolicyControlMessage.port
        {
            return answerControl(frame, start: start, ihl: ihl, totalLength: totalLength, on: port, simulator)
        }

        // Policies: unfragmented UDP datagrams (MF clear, fragment offset 0) with a whole UDP header.
        if !policyKeys.isEmpty, frames.bytes[ip + RouterFrame.protocolOffset] == IPv4Header.udpProtocolNumber,
            FrameBytes.get16(frames.bytes, ip + 6) & 0x3FFF == 0,
            totalLength - ihl >= RouterFrame.udpHeaderBytes
        {
            let policy = matchPolicy(
                destination: FrameBytes.get32(frames.bytes, ip + RouterFrame.destinationOffset),
                port: FrameBytes.get16(frames.bytes, ip + ihl + RouterFrame.udpDestinationPortOffset),
                source: FrameBytes.get32(frames.bytes, ip + RouterFrame.sourceOffset))
            if policy >= 0 {
                return applyPolicy(policy, to: frame, length: length, ihl: ihl, simulator: simulator)
            }
        }
        route(frame, length: length, simulator: simulator)
    }

    /// Releases `frame` and counts it in `counter`.
    @inline(__always)
    func drop(_ frame: FrameHandle, _ counter: inout Int, _ simulator: Simulator) {
        counter += 1
        simulator.frames.release(frame)
    }

    /// Answers an ARP request for `port`'s own address in place and queues the reply on `port`; counts and releases
    /// anything else.
    private func answerARP(
        _ frame: FrameHandle, start: Int, length: Int, destinationMAC: UInt64, on port: PolicyRouterPort,
        _ simulator: Simulator
    ) {
        guard destinationMAC == MACAddress.broadcast.rawValue || destinationMAC == port.mac.rawValue else {
            return drop(frame, &globalCounters.notAddressedDrops, simulator)
        }
        let frames = simulator.frames
        let arpStart = start + RouterFrame.ethernetHeaderBytes
        guard let request = ARPPacket(decoding: frames.bytes, at: arpStart, end: start + length),
            request.operation == .request, request.targetIP == port.address
        else {
            return drop(frame, &globalCounters.arpIgnored, simulator)
        }
        FrameBytes.setMAC(&frames.bytes, start, request.senderMAC)
        FrameBytes.setMAC(&frames.bytes, start + 6, port.mac)
        ARPPacket(
            operation: .reply, senderMAC: port.mac, senderIP: port.address, targetMAC: request.senderMAC,
            targetIP: request.senderIP
        ).encode(into: &frames.bytes, at: arpStart)
        globalCounters.arpRequestsAnswered += 1
        enqueue(frame, length: length, on: port, simulator: simulator)
    }

    /// The index in `routeTable` of the longest prefix covering `destination`, or -1.
    @inline(__always)
    func lookupRoute(_ destination: UInt32) -> Int {
        for i in routeKeys.indices where destination & routeKeys[i].mask == routeKeys[i].prefix {
            return i
        }
        return -1
    }

    /// Routes a checked IPv4 packet (TTL > 1): decrements its TTL, rewrites its MACs and queues it on the egress
    /// port; or drops it (released, counted). Returns true when the packet was queued.
    @discardableResult
    func route(_ frame: FrameHandle, length: Int, simulator: Simulator) -> Bool {
        let frames = simulator.frames
        let start = frames.offset(of: frame)
        let ip = start + RouterFrame.ethernetHeaderBytes
        let destination = FrameBytes.get32(frames.bytes, ip + RouterFrame.destinationOffset)
        for p in ports where p.address.rawValue == destination {
            drop(frame, &globalCounters.addressedToRouterDrops, simulator)
            return false
        }
        let r = lookupRoute(destination)
        guard r >= 0 else {
            drop(frame, &globalCounters.noRouteDrops, simulator)
            return false
        }
        let nextHop: MACAddress
        if let gateway = routeTable[r].nextHop {
            nextHop = gateway
        } else if let neighbour = neighbours[destination] {
            nextHop = neighbour
        } else {
            drop(frame, &globalCounters.unresolvedNeighbourDrops, simulator)
            return false
        }
        let out = ports[routeTable[r].port]

        // TTL − 1 with the header checksum updated for the TTL/protocol word (RFC 1624).
        let oldWord = FrameBytes.get16(frames.bytes, ip + RouterFrame.ttlOffset)
        let newWord = oldWord &- 0x0100
        let checksum = FrameBytes.get16(frames.bytes, ip + RouterFrame.checksumOffset)
        FrameBytes.set16(&frames.bytes, ip + RouterFrame.ttlOffset, newWord)
        FrameBytes.set16(
            &frames.bytes, ip + RouterFrame.checksumOffset,
            InternetChecksum.updated(checksum, oldWord: oldWord, newWord: newWord))
        FrameBytes.setMAC(&frames.bytes, start, nextHop)
        FrameBytes.setMAC(&frames.bytes, start + 6, out.mac)
        guard enqueue(frame, length: length, on: out, simulator: simulator) else { return false }
        globalCounters.forwardedPackets += 1
        return true
    }
}
