import CommandTestSupport
import Foundation
import Scenarios
import Testing

/// Both drivers convert host launch times to the NIC's clock (datasheet §10.4): with a clock offset the frames leave
/// when they did with none; with a drift, within the drift times the launch horizon before the second reading.
@Suite("Launch times with a device clock offset and drift, both drivers")
struct DeviceClockDriverTests {
    /// timed-transmission: ten datagrams stamped over 1 ms, held by the NIC's launch time.
    static func run(kind: DriverKind, offset: UInt64, driftPPB: Int64) throws -> Report {
        let path = packageRoot.appendingPathComponent("Fixtures/labs/timed-transmission.yaml").path
        var spec = try ScenarioParser.parse(contentsOf: path)
        spec.server.driverKind = kind
        spec.server.nic.clockOffsetNanoseconds = offset
        spec.server.nic.clockDriftPPB = driftPPB
        let world = try World(spec: spec)
        return world.report(outcome: world.run())
    }

    @Test("an offset of an hour changes nothing a receiver sees", arguments: [DriverKind.reference, .napi])
    func offset(kind: DriverKind) throws {
        let base = try Self.run(kind: kind, offset: 0, driftPPB: 0)
        let shifted = try Self.run(kind: kind, offset: 3_600_000_000_000, driftPPB: 0)
        let b = try #require(base.receivers.first)
        let s = try #require(shifted.receivers.first)
        #expect(b.datagrams == 10)
        #expect(s.firstArrivalPs == b.firstArrivalPs)
        #expect(s.lastArrivalPs == b.lastArrivalPs)
        #expect(shifted.hosts.first?.nic.lateFrames == base.hosts.first?.nic.lateFrames)
        #expect(shifted.hosts.first?.nic.launchTimedFrames == 10)
    }

    @Test("a drift of +150 ppm: the last datagram (due 900 µs after the reading) leaves at most 136 ns early",
          arguments: [DriverKind.reference, .napi])
    func drift(kind: DriverKind) throws {
        // One reading (the write is one call): the driver assumes the nominal rate, the clock runs 150 ppm fast,
        // so a launch h after the reading is reached h × 150 / 1,000,150 early: 900 µs → 134.98 ns, plus the
        // nanosecond rounding of the descriptor (at most 1 ns).
        let base = try Self.run(kind: kind, offset: 0, driftPPB: 0)
        let drifting = try Self.run(kind: kind, offset: 0, driftPPB: 150_000)
        let b = try #require(base.receivers.first?.lastArrivalPs)
        let d = try #require(drifting.receivers.first?.lastArrivalPs)
        #expect(b - d >= 133_000 && b - d <= 136_000, "early by \(b - d) ps")
        #expect(drifting.receivers.first?.datagrams == 10)
    }
}
