import CommandTestSupport
import Foundation
import Scenarios
import Testing

/// Every shipped scenario runs with both of nicsim's drivers (issue 16): the NAPI-style driver delivers the same
/// payload bytes to every receiver the reference driver delivers intact, and neither driver misbehaves.
@Suite("Both drivers")
struct BothDriversTests {
    static let files: [String] = Fingerprints.shippedScenarios(root: packageRoot.path)

    /// Runs `file` with the server's driver (and every `host` receiver's) set to `kind`.
    static func run(_ file: String, kind: DriverKind, msix: Bool = false) throws -> Report {
        var spec = try ScenarioParser.parse(contentsOf: packageRoot.appendingPathComponent(file).path)
        spec.server.driverKind = kind
        spec.server.napi.msix = msix
        for i in spec.receivers.indices {
            spec.receivers[i].driverKind = kind
            spec.receivers[i].napi.msix = msix
        }
        let world = try World(spec: spec)
        return world.report(outcome: world.run())
    }

    @Test("the NAPI driver delivers what the reference driver delivers", arguments: files)
    func sameBytes(file: String) throws {
        let reference = try Self.run(file, kind: .reference)
        let napi = try Self.run(file, kind: .napi)
        #expect(reference.driverFault == nil)
        #expect(napi.driverFault == nil, "\(napi.driverFault ?? "")")
        #expect(napi.hosts.first?.driver.kind == "napi")
        #expect(reference.hosts.first?.driver.kind == "reference")
        for (r, n) in zip(reference.receivers, napi.receivers) where r.intact == true {
            #expect(n.intact == true, "\(file): \(n.name) not intact with the NAPI driver")
            #expect(n.digest == r.digest && n.payloadBytes == r.payloadBytes && n.datagrams == r.datagrams,
                    "\(file): \(n.name) got other bytes with the NAPI driver")
        }
    }

    /// The NAPI driver with per-queue vectors (datasheet §6.3) delivers the same bytes as with one legacy vector,
    /// and its messages come on queue vectors (vector 0 is the other causes').
    @Test("the NAPI driver in MSI-X mode delivers what it delivers with one vector", arguments: files)
    func msixSameBytes(file: String) throws {
        let legacy = try Self.run(file, kind: .napi)
        let msix = try Self.run(file, kind: .napi, msix: true)
        #expect(msix.driverFault == nil, "\(msix.driverFault ?? "")")
        for (l, m) in zip(legacy.receivers, msix.receivers) where l.intact == true {
            #expect(m.intact == true, "\(file): \(m.name) not intact in MSI-X mode")
            #expect(m.digest == l.digest && m.payloadBytes == l.payloadBytes && m.datagrams == l.datagrams,
                    "\(file): \(m.name) got other bytes in MSI-X mode")
        }
        if let server = msix.hosts.first, server.faults.interruptsHandled > 0 {
            let byVector = try #require(server.interruptsByVector, "\(file): no interrupts by vector")
            #expect(byVector.dropFirst().reduce(0, +) > 0, "\(file): no message on a queue vector")
        }
    }

    @Test("there are scenarios to run with both")
    func found() { #expect(Self.files.count >= 20) }
}

import NICSimTesting
import WireFormats

/// DF as Linux sets it (issue 17 item 7) holds for both drivers: only a datagram whose whole write fits one carries it.
@Suite("DF with both drivers")
struct BothDriversDontFragmentTests {
    @Test("DF only on a write that fits one 1,500-byte datagram", arguments: [DriverKind.reference, .napi])
    func dontFragment(kind: DriverKind) throws {
        // 1,472 bytes fit one datagram (DF); 3,000 bytes are cut into 1,472 + 1,472 + 56 (no DF).
        let run = try TestWorld().receiver("rx1").write(1_472, to: "rx1").write(3_000, to: "rx1")
            .driver(kind: kind, order: .destinationMajor).capturingPcap().run()
        let records = try PcapReader.read(try #require(run.world.pcapBytes))
        let frames = records.compactMap { UDPDatagramView(parsing: $0.data, at: 0, length: $0.data.count) }
        #expect(frames.count == 4)
        #expect(frames.map(\.payloadLength) == [1_472, 1_472, 1_472, 56])
        #expect(frames.map(\.ip.dontFragment) == [true, false, false, false])
        #expect(frames.allSatisfy { $0.ipChecksumValid && $0.udpChecksumValid })
    }
}

/// The completion options of issue 17 item 3 (datasheet §4.5), from a scenario file: the reference driver's
/// `report-sent` (`RPS`, done on the wire) and the NAPI driver's `head-write-back` (`TDWBAL`) deliver the same bytes
/// as the defaults (done in the packet buffer, `DD` in descriptors).
@Suite("Completion options with both drivers")
struct CompletionOptionTests {
    static func run(kind: DriverKind, options: Bool) throws -> Report {
        let path = packageRoot.appendingPathComponent("Fixtures/scenarios/two-receivers.yaml").path
        var text = try String(contentsOfFile: path, encoding: .utf8)
        if options {
            text = text.replacingOccurrences(
                of: "    interrupts: per-write\n",
                with: "    interrupts: per-packet\n    report-sent: true\n    head-write-back: true\n")
        }
        var spec = try ScenarioParser.parse(yaml: text, file: path)
        #expect(spec.server.reportPacketSent == options)
        #expect(spec.server.napi.headWriteBack == options)
        spec.server.driverKind = kind
        let world = try World(spec: spec)
        return world.report(outcome: world.run())
    }

    @Test("report-sent and head-write-back deliver what the defaults deliver", arguments: [DriverKind.reference, .napi])
    func sameBytes(kind: DriverKind) throws {
        let plain = try Self.run(kind: .reference, options: false)
        let withOptions = try Self.run(kind: kind, options: true)
        #expect(withOptions.driverFault == nil, "\(withOptions.driverFault ?? "")")
        #expect(plain.receivers.count == 2)
        for (p, o) in zip(plain.receivers, withOptions.receivers) {
            #expect(p.intact == true && o.intact == true)
            #expect(o.digest == p.digest && o.payloadBytes == p.payloadBytes && o.datagrams == p.datagrams)
        }
    }
}
