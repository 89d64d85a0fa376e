/// Builds Ethernet frames from fuzz input: either raw bytes, or a frame whose addresses, protocols and fields are
/// chosen by the input from values the emulated network knows, with lengths and checksums made right unless the
/// input says otherwise, so that the fuzzer reaches the code behind the checks as well as the checks themselves.
struct FrameBuilder {
    /// MAC addresses worth aiming at (the machines of the harness's world).
    var macs: [[UInt8]]
    /// IPv4 addresses worth aiming at.
    var addresses: [[UInt8]]
    /// UDP ports worth aiming at.
    var ports: [UInt16]

    static let broadcastMAC: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

    /// One frame: mode 0 raw bytes, otherwise built from fields.
    func frame(_ input: inout FuzzInput) -> [UInt8] {
        let mode = input.u8()
        if mode & 0x0F == 0 {
            // Raw: up to 1,600 bytes usually, sometimes up to a jumbo 9,100 (longer than any frame slot).
            let limit = mode & 0x10 != 0 ? 9_100 : 1_600
            return input.take(input.below(limit + 1))
        }
        var frame: [UInt8] = []
        frame += mac(&input, destination: true)
        frame += mac(&input, destination: false)
        switch input.below(8) {
        case 0, 1, 2, 3:
            frame += [0x08, 0x00]
            frame += ipv4(&input)
        case 4, 5:
            frame += [0x08, 0x06]
            frame += arp(&input)
        case 6:
            // An 802.1Q tag in front of IPv4.
            frame += [0x81, 0x00, input.u8(), input.u8(), 0x08, 0x00]
            frame += ipv4(&input)
        default:
            frame += [input.u8(), input.u8()]
            frame += input.take(input.below(1_501))
        }
        // Pad to the Ethernet minimum unless the input asks for a runt.
        if mode & 0x20 == 0 { while frame.count < 60 { frame.append(0) } }
        if mode & 0x40 != 0, !frame.isEmpty { frame.removeLast(input.below(min(frame.count, 64))) }
        return frame
    }

    func mac(_ input: inout FuzzInput, destination: Bool) -> [UInt8] {
        switch input.below(8) {
        case 0: return Self.broadcastMAC
        case 1: return [0x01, 0x00, 0x5E, input.u8() & 0x7F, input.u8(), input.u8()]
        case 2: return Self.padded(input.take(6), to: 6)
        default: return input.pick(macs)
        }
    }

    func address(_ input: inout FuzzInput) -> [UInt8] {
        switch input.below(10) {
        case 0: return [255, 255, 255, 255]
        case 1: return [224 | (input.u8() & 0x0F), input.u8(), input.u8(), input.u8()]
        case 2: return [input.u8(), input.u8(), input.u8(), input.u8()]
        case 3: return [0, 0, 0, 0]
        default: return input.pick(addresses)
        }
    }

    func port(_ input: inout FuzzInput) -> UInt16 {
        input.below(4) == 0 ? input.u16() : input.pick(ports)
    }

    func ipv4(_ input: inout FuzzInput) -> [UInt8] {
        // bit 0: keep the IP checksum, bit 1: keep the total length, bit 2: keep the UDP checksum
        let flags = input.u8()
        let options = flags & 0x08 != 0 ? input.below(11) * 4 : 0
        var header: [UInt8] = [0x45 + UInt8(options / 4), input.u8(), 0, 0, input.u8(), input.u8()]
        if flags & 0x10 != 0 {
            header += [input.u8(), input.u8()]  // flags and fragment offset as the input says
        } else {
            header += [0x40, 0x00]
        }
        let protocolNumber: UInt8 = input.pick([17, 17, 17, 1, 1, 6, 0xFF, 17])
        header += [input.u8() | 1, protocolNumber == 0xFF ? input.u8() : protocolNumber, 0, 0]
        header += address(&input)
        header += address(&input)
        header += input.take(options)
        while header.count < 20 + options { header.append(0) }
        if flags & 0x80 != 0 { header[0] = input.u8() }  // any version and header length

        var payload: [UInt8]
        switch header[9] {
        case 17: payload = udp(&input, source: Array(header[12..<16]), destination: Array(header[16..<20]),
                               keepChecksum: flags & 0x04 != 0)
        case 1: payload = icmp(&input)
        default: payload = input.take(input.below(1_481))
        }
        let total = header.count + payload.count
        if flags & 0x02 == 0 {
            header[2] = UInt8(truncatingIfNeeded: total >> 8)
            header[3] = UInt8(truncatingIfNeeded: total)
        } else {
            header[2] = input.u8()
            header[3] = input.u8()
        }
        if flags & 0x01 == 0 {
            let sum = Self.checksum(header[...])
            header[10] = UInt8(sum >> 8)
            header[11] = UInt8(sum & 0xFF)
        }
        return header + payload
    }

    func udp(_ input: inout FuzzInput, source: [UInt8], destination: [UInt8], keepChecksum: Bool) -> [UInt8] {
        let sourcePort = port(&input)
        let destinationPort = port(&input)
        var body: [UInt8]
        switch input.below(4) {
        case 0:
            // A transport stream payload: up to 7 packets, each with a sync byte, the input's header and payload.
            body = []
            for _ in 0..<(1 + input.below(7)) {
                body += Self.padded([0x47] + input.take(187), to: 188)
            }
        case 1:
            // RTP (version 2, MP2T payload type 33) in front of transport stream packets.
            body = Self.padded([0x80, 33] + input.take(10), to: 12)
            for _ in 0..<(1 + input.below(7)) { body += Self.padded([0x47] + input.take(187), to: 188) }
        default:
            body = input.take(input.below(1_473))
        }
        let length = 8 + body.count
        var datagram: [UInt8] = [
            UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), UInt8(destinationPort >> 8),
            UInt8(destinationPort & 0xFF), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length),
            0, 0,
        ]
        datagram += body
        if keepChecksum {
            datagram[6] = input.u8()
            datagram[7] = input.u8()
        } else {
            var pseudo = source + destination + [0, 17, UInt8(truncatingIfNeeded: length >> 8),
                                                  UInt8(truncatingIfNeeded: length)]
            pseudo += datagram
            var sum = Self.checksum(pseudo[...])
            if sum == 0 { sum = 0xFFFF }
            datagram[6] = UInt8(sum >> 8)
            datagram[7] = UInt8(sum & 0xFF)
        }
        return datagram
    }

    func icmp(_ input: inout FuzzInput) -> [UInt8] {
        // Mostly echo requests (which hosts answer), sometimes replies, errors or any type.
        let choice = input.below(8)
        let type: UInt8 = choice < 5 ? 8 : choice == 5 ? 0 : choice == 6 ? 3 : input.u8()
        var message: [UInt8] = [type, input.u8() & 3, 0, 0, input.u8(), input.u8(), input.u8(), input.u8()]
        message += input.take(input.below(1_473))
        if !input.bool() {
            let sum = Self.checksum(message[...])
            message[2] = UInt8(sum >> 8)
            message[3] = UInt8(sum & 0xFF)
        }
        return message
    }

    func arp(_ input: inout FuzzInput) -> [UInt8] {
        let valid = input.below(8) != 0
        var packet: [UInt8] = valid ? [0, 1, 0x08, 0x00, 6, 4] : input.take(6)
        while packet.count < 6 { packet.append(0) }
        packet += [0, input.pick([1, 1, 2, 2, 3, 0])]
        packet += mac(&input, destination: false)
        packet += address(&input)
        packet += input.below(2) == 0 ? [0, 0, 0, 0, 0, 0] : mac(&input, destination: true)
        packet += address(&input)
        return packet
    }

    /// `bytes` followed by 0xFF up to `count` bytes.
    static func padded(_ bytes: [UInt8], to count: Int) -> [UInt8] {
        bytes.count >= count ? bytes : bytes + [UInt8](repeating: 0xFF, count: count - bytes.count)
    }

    /// The Internet checksum (RFC 1071) of `bytes`.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.endIndex { sum += UInt32(bytes[i]) << 8 }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
