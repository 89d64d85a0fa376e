import SimCore
import WireFormats

extension PolicyRouter {
    /// Reads an NPCP message sent to the router's own address (``WireFormats/PolicyControlMessage``), installs,
    /// replaces or removes the policy it carries, and answers in the same frame: addresses and ports swapped, an
    /// ack (or a nack when the policy does not fit) with the message's transaction and policy id. A message it
    /// cannot read is dropped and counted; the sender's retransmission finds the same fate.
    func answerControl(
        _ frame: FrameHandle, start: Int, ihl: Int, totalLength: Int, on port: PolicyRouterPort, _ simulator: Simulator
    ) {
        let frames = simulator.frames
        let ip = start + RouterFrame.ethernetHeaderBytes
        let udp = ip + ihl
        guard let message = PolicyControlMessage(
                  decoding: frames.bytes, at: udp + RouterFrame.udpHeaderBytes,
                  count: totalLength - ihl - RouterFrame.udpHeaderBytes),
              message.kind == .set || message.kind == .remove
        else {
            globalCounters.controlMalformed += 1
            return simulator.frames.release(frame)
        }
        globalCounters.controlMessages += 1
        let id = Int(message.policyID)
        var status = PolicyControlMessage.Status.done
        if message.kind == .set {
            let targets = message.targets.map { RouterPolicy.Target(address: $0.address, port: $0.port) }
            let policy = RouterPolicy(
                id: id, match: .init(destination: message.destination, destinationPort: message.destinationPort,
                                     source: message.source),
                action: message.replicate ? .replicate(targets, keepOriginal: true) : .redirect(targets))
            do throws(PolicyRouterError) {
                if self.policy(id: id) != nil { try replacePolicy(policy) } else { try addPolicy(policy) }
            } catch {
                status = .refused
            }
        } else if let counters = removePolicy(id: id) {
            removedPolicyCounters[id] = counters
        }
        if status != .done { globalCounters.controlRefused += 1 }
        let answer = PolicyControlMessage.simple(
            status == .done ? .ack : .nack, transaction: message.transaction, policyID: message.policyID,
            status: status
        ).encoded()

        // The answer goes back the way the message came: Ethernet, IPv4 and UDP addresses swapped.
        let senderMAC = MACAddress(rawValue: FrameBytes.getMAC(frames.bytes, start + 6))
        let sender = FrameBytes.get32(frames.bytes, ip + RouterFrame.sourceOffset)
        let senderPort = FrameBytes.get16(frames.bytes, udp)
        FrameBytes.setMAC(&frames.bytes, start, senderMAC)
        FrameBytes.setMAC(&frames.bytes, start + 6, port.mac)
        let header = IPv4Header(
            totalLength: UInt16(IPv4Header.minimumSize + RouterFrame.udpHeaderBytes + answer.count),
            identification: UInt16(truncatingIfNeeded: message.transaction), ttl: 64,
            protocolNumber: IPv4Header.udpProtocolNumber, source: port.address,
            destination: IPv4Address(rawValue: sender))
        header.encode(into: &frames.bytes, at: ip)
        FrameBytes.set16(&frames.bytes, ip + IPv4Header.checksumOffset,
                          IPv4Header.computeChecksum(frames.bytes, at: ip, length: IPv4Header.minimumSize))
        let u = ip + IPv4Header.minimumSize
        let udpLength = RouterFrame.udpHeaderBytes + answer.count
        FrameBytes.set16(&frames.bytes, u, PolicyControlMessage.port)
        FrameBytes.set16(&frames.bytes, u + 2, senderPort)
        FrameBytes.set16(&frames.bytes, u + 4, UInt16(udpLength))
        FrameBytes.set16(&frames.bytes, u + 6, 0)
        for (k, byte) in answer.enumerated() { frames.bytes[u + RouterFrame.udpHeaderBytes + k] = byte }
        var sum = InternetChecksum()
        sum.add(port.address.rawValue)
        sum.add(sender)
        sum.add(UInt16(IPv4Header.udpProtocolNumber))
        sum.add(UInt16(udpLength))
        sum.add(frames.bytes, from: u, count: udpLength)
        let checksum = sum.checksum
        FrameBytes.set16(&frames.bytes, u + 6, checksum == 0 ? 0xFFFF : checksum)
        var length = RouterFrame.ethernetHeaderBytes + IPv4Header.minimumSize + udpLength
        while length < EthernetFraming.minimumFrameBytes {
            frames.bytes[start + length] = 0
            length += 1
        }
        frames.setLength(length, of: frame)
        _ = enqueue(frame, length: length, on: port, simulator: simulator)
    }
}
