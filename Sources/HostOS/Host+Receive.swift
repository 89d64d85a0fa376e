import SimCore
import WireFormats

/// What the host's stack did with received frames.
public struct ReceiveCounters: Hashable, Sendable {
    /// Frames the driver handed up.
    public var frames: UInt64 = 0
    /// ARP requests for this host answered, and ARP replies learned from.
    public var arpRequestsAnswered: UInt64 = 0
    public var arpRepliesLearned: UInt64 = 0
    /// ICMP echo requests answered.
    public var echoRequestsAnswered: UInt64 = 0
    /// UDP datagrams delivered to a bound socket, and their payload bytes.
    public var udpDelivered: UInt64 = 0
    public var udpBytesDelivered: UInt64 = 0
    /// UDP datagrams for a port no socket is bound to.
    public var udpNoSocket: UInt64 = 0
    /// Frames for other hosts, of other protocols, malformed, or flagged with a bad checksum.
    public var ignored: UInt64 = 0
    public var malformed: UInt64 = 0
    public var checksumErrors: UInt64 = 0
    /// Replies that could not be sent because the transmit ring was full.
    public var repliesDropped: UInt64 = 0
    public init() {}
}

extension Host {
    /// The stack's input: ARP, ICMP echo and UDP to bound sockets, as a minimal IPv4 host does.
    public func frameReceived(_ bytes: [UInt8], length: Int, checksumError: Bool) {
        receiveCounters.frames += 1
        guard let ethernet = EthernetHeader(decoding: bytes, at: 0, end: length) else {
            receiveCounters.malformed += 1
            return
        }
        guard ethernet.destination == mac || ethernet.destination == .broadcast else {
            receiveCounters.ignored += 1
            return
        }
        switch ethernet.etherType {
        case .arp: receiveARP(bytes, length: length)
        case .ipv4:
            if checksumError {
                receiveCounters.checksumErrors += 1
                return
            }
            receiveIPv4(bytes, length: length, from: ethernet.source)
        default: receiveCounters.ignored += 1
        }
    }

    func receiveARP(_ bytes: [UInt8], length: Int) {
        guard let arp = ARPPacket(decoding: bytes, at: EthernetHeader.size, end: length) else {
            receiveCounters.malformed += 1
            return
        }
        // Learn the sender either way (RFC 826's merge step), then answer requests for our address.
        if arp.senderIP.rawValue != 0 { neighbors[arp.senderIP] = arp.senderMAC }
        if arp.operation == .reply {
            receiveCounters.arpRepliesLearned += 1
            retryParked()
            return
        }
        guard arp.operation == .request, arp.targetIP == ip else {
            receiveCounters.ignored += 1
            return
        }
        EthernetHeader(destination: arp.senderMAC, source: mac, etherType: .arp).encode(into: &replyScratch, at: 0)
        ARPPacket(operation: .reply, senderMAC: mac, senderIP: ip, targetMAC: arp.senderMAC, targetIP: arp.senderIP)
            .encode(into: &replyScratch, at: EthernetHeader.size)
        let n = EthernetHeader.size + ARPPacket.size
        for i in n..<EthernetFraming.minimumFrameBytes { replyScratch[i] = 0 }
        if sendReply(length: EthernetFraming.minimumFrameBytes) { receiveCounters.arpRequestsAnswered += 1 }
    }

    func receiveIPv4(_ bytes: [UInt8], length: Int, from source: MACAddress) {
        let ipOffset = EthernetHeader.size
        guard let header = IPv4Header(decoding: bytes, at: ipOffset, end: length),
              Int(header.totalLength) + ipOffset <= length, IPv4Header.verifyChecksum(bytes, at: ipOffset) else {
            receiveCounters.malformed += 1
            return
        }
        guard header.destination == ip else {
            receiveCounters.ignored += 1
            return
        }
        let end = ipOffset + Int(header.totalLength)
        switch header.protocolNumber {
        case 1: receiveICMP(bytes, header: header, end: end, from: source)
        case IPv4Header.udpProtocolNumber:
            guard let view = UDPDatagramView(parsing: bytes, at: 0, length: length), view.udpChecksumValid else {
                receiveCounters.malformed += 1
                return
            }
            receiveAccount.stack += configuration.costs.stackPerMessage
            if view.udp.destinationPort == PolicyControlMessage.port, let client = policyClient {
                client.received(bytes, view: view)
                return
            }
            if applyReceivePolicies(bytes, view: view, account: &receiveAccount) { return }
            if sockets.contains(where: { $0.port == view.udp.destinationPort }) {
                receiveCounters.udpDelivered += 1
                receiveCounters.udpBytesDelivered += UInt64(view.payloadLength)
                deliverLocally(port: view.udp.destinationPort, bytes: view.payloadLength, account: &receiveAccount)
            } else {
                receiveCounters.udpNoSocket += 1
            }
        default: receiveCounters.ignored += 1
        }
    }

    /// Answers an ICMP echo request (type 8) with an echo reply (type 0) carrying the same identifier, sequence
    /// and data (RFC 792).
    func receiveICMP(_ bytes: [UInt8], header: IPv4Header, end: Int, from source: MACAddress) {
        let icmp = EthernetHeader.size + header.ihl
        guard end - icmp >= 8, end <= replyScratch.count else {
            receiveCounters.malformed += 1
            return
        }
        var sum = InternetChecksum()
        sum.add(bytes, from: icmp, count: end - icmp)
        guard sum.checksum == 0 || sum.checksum == 0xFFFF else {
            receiveCounters.checksumErrors += 1
            return
        }
        guard bytes[icmp] == 8, bytes[icmp + 1] == 0 else {
            receiveCounters.ignored += 1
            return
        }
        let reply = neighbors[header.source] ?? source
        EthernetHeader(destination: reply, source: mac, etherType: .ipv4).encode(into: &replyScratch, at: 0)
        let ipBytes = IPv4Header.minimumSize
        let out = IPv4Header(totalLength: UInt16(ipBytes + end - icmp), identification: nextIdentification(),
                             ttl: 64, protocolNumber: 1, source: ip, destination: header.source)
        out.encode(into: &replyScratch, at: EthernetHeader.size)
        NetworkBytes.setUInt16(&replyScratch, EthernetHeader.size + 10,
                               IPv4Header.computeChecksum(replyScratch, at: EthernetHeader.size, length: ipBytes))
        let o = EthernetHeader.size + ipBytes
        for i in 0..<(end - icmp) { replyScratch[o + i] = bytes[icmp + i] }
        replyScratch[o] = 0
        replyScratch[o + 2] = 0
        replyScratch[o + 3] = 0
        var c = InternetChecksum()
        c.add(replyScratch, from: o, count: end - icmp)
        NetworkBytes.setUInt16(&replyScratch, o + 2, c.checksum)
        let n = o + end - icmp
        for i in n..<max(n, EthernetFraming.minimumFrameBytes) { replyScratch[i] = 0 }
        if sendReply(length: max(n, EthernetFraming.minimumFrameBytes)) { receiveCounters.echoRequestsAnswered += 1 }
    }

    func nextIdentification() -> UInt16 {
        replyIdentification &+= 1
        return replyIdentification
    }

    /// Sends the reply in `replyScratch` through the driver; its doorbell rings after the interrupt's CPU work.
    func sendReply(length: Int) -> Bool {
        guard let receipt = driver.transmitFrame(replyScratch, length: length) else {
            receiveCounters.repliesDropped += 1
            return false
        }
        // Inside an interrupt, poll or watchdog run the copy is priced with the run; a request sent from a system
        // call (ARP) is part of the call's set-up and is recorded only.
        if nestedDriverWork != nil {
            nestedDriverWork! += receipt
        } else {
            driverWork += receipt
        }
        return true
    }
}


extension Host {
    /// Broadcasts "who has `target`?" (RFC 826).
    func sendARPRequest(for target: IPv4Address) {
        EthernetHeader(destination: .broadcast, source: mac, etherType: .arp).encode(into: &replyScratch, at: 0)
        ARPPacket(
            operation: .request, senderMAC: mac, senderIP: ip, targetMAC: MACAddress(rawValue: 0), targetIP: target
        )
        .encode(into: &replyScratch, at: EthernetHeader.size)
        let n = EthernetHeader.size + ARPPacket.size
        for i in n..<EthernetFraming.minimumFrameBytes { replyScratch[i] = 0 }
        counters.arpRequestsSent += 1
        if sendReply(length: EthernetFraming.minimumFrameBytes) {
            simulator.schedule(HostEvent.doorbell, at: simulator.now, for: id)
        }
    }

    /// Sends the parked calls whose destinations are all known now; refuses those past their deadline.
    func retryParked() {
        guard !parked.isEmpty else { return }
        let waiting = parked
        parked.removeAll()
        for call in waiting {
            if call.messages.allSatisfy({ neighbors[$0.destination.ip] != nil }) {
                _ = try? submit(process: call.process, sourcePort: call.sourcePort, messages: call.messages,
                                path: call.path, account: call.account, switchesContext: call.switchesContext,
                                rtp: call.rtp)
            } else if simulator.now >= call.deadline {
                counters.arpFailures += 1
                counters.writesRefused += 1
            } else {
                parked.append(call)
            }
        }
    }
}
