import SimCore
import Testing

@testable import NetworkModel

@Suite struct PayloadDigesterTests {
    /// Random payloads for random streams give each stream exactly the stripe64 digest of its own bytes in order.
    @Test(arguments: [1, 2, 3])
    func everyStreamGetsItsOwnDigest(seed: Int) {
        var random = RandomStream(seed: UInt64(seed), name: "digester")
        let digester = PayloadDigester()
        let streams = (0..<7).map { _ in digester.addStream() }
        var expected = Array(repeating: [UInt8](), count: streams.count)
        for step in 0..<3000 {
            // Mostly round-robin (the interleaved fan-out), sometimes the same stream twice in a row.
            let s = random.next() % 5 == 0 ? Int(random.next() % UInt64(streams.count)) : step % streams.count
            let length = Int(random.next() % 1600)
            let lead = Int(random.next() % 8)
            let buffer = (0..<(lead + length + 3)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            digester.add(streams[s], bytes: buffer, from: lead, count: length)
            expected[s].append(contentsOf: buffer[lead..<(lead + length)])
            if step % 997 == 0 {
                let midway = digester.digest(of: streams[s])
                #expect(midway == referenceStripe64(expected[s]), "stream \(s) read at step \(step)")
            }
        }
        for s in streams.indices {
            let digest = digester.digest(of: streams[s])
            #expect(digest == referenceStripe64(expected[s]), "stream \(s)")
        }
    }

    @Test func receiversSharingADigesterMatchReceiversOnTheirOwn() {
        let sim = Simulator(seed: 1)
        let digester = PayloadDigester()
        let macs = [macA, macB, macC]
        let shared = macs.map { DatagramReceiver(simulator: sim, name: "shared", mac: $0, digester: digester) }
        let alone = macs.map { DatagramReceiver(simulator: sim, name: "alone", mac: $0) }
        var expected = Array(repeating: [UInt8](), count: macs.count)
        for i in 0..<200 {
            let k = i % 3
            let payload = (0..<(100 + i * 7 % 1300)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ i) }
            let frame = udpFrame(to: macs[k], identification: UInt16(i), payload: payload)
            for rx in [shared[k], alone[k]] { Feeder(simulator: sim, sink: rx).send(frame, at: .zero, simulator: sim) }
            expected[k] += payload
        }
        sim.run()
        for k in macs.indices {
            let a = shared[k].digest
            let b = alone[k].digest
            #expect(a == b)
            #expect(a == referenceStripe64(expected[k]))
        }
    }
}
