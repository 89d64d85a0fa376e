import Scenarios
import SimCore

/// What one run of a ``TestWorld`` did, in the numbers test suites assert: segments and bytes per destination,
/// what each receiver got, interrupts and their times, switch port peaks and drops, cycles.
///
/// Counts are plain `Int`s and names are the receivers' names, so whole tables compare in one line:
///
/// ```swift
/// #expect(run.segmentsPerDestination == ["rx1": 45, "rx2": 14])
/// #expect(run.interrupts == 1)
/// ```
///
/// ``TestRun/verify(_:)-(TestRun.Check...)`` checks several things at once and throws one error that lists every
/// mismatch. The full
/// ``report`` and the ``world`` itself (NIC, driver, switch, receivers) are there for anything else.
public struct TestRun {
    /// The world after the run: every component with its counters.
    public let world: World
    /// The run's report, as `nicsim run --format json` prints it.
    public let report: Report
    /// Why the run ended.
    public let outcome: Simulator.RunOutcome

    /// Wraps a world that has run. ``TestWorld/run()`` makes these; use this for worlds run by hand.
    public init(world: World, outcome: Simulator.RunOutcome) {
        self.world = world
        self.outcome = outcome
        self.report = world.report(outcome: outcome)
    }

    /// The receivers' names, in receiver order.
    public var receiverNames: [String] { report.receivers.map(\.name) }

    /// Virtual time when the run ended.
    public var endTime: SimTime { SimTime(rawValue: report.endTimePs) }

    // MARK: Per destination (what the server's driver built)

    /// UDP datagrams (segments) the server's driver built for each destination, by receiver name.
    public var segmentsPerDestination: [String: Int] {
        Dictionary(uniqueKeysWithValues: report.destinations.map { ($0.receiver, Int($0.segments)) })
    }

    /// Payload bytes the server's driver described for each destination, by receiver name.
    public var bytesPerDestination: [String: Int] {
        Dictionary(uniqueKeysWithValues: report.destinations.map { ($0.receiver, Int($0.payloadBytes)) })
    }

    /// Descriptors the server's driver wrote for each destination, by receiver name.
    public var descriptorsPerDestination: [String: Int] {
        Dictionary(uniqueKeysWithValues: report.destinations.map { ($0.receiver, Int($0.descriptors)) })
    }

    // MARK: Per receiver (what arrived)

    /// Datagrams each receiver got, by name.
    public var datagramsPerReceiver: [String: Int] {
        Dictionary(uniqueKeysWithValues: report.receivers.map { ($0.name, $0.datagrams) })
    }

    /// Payload bytes each receiver got, by name.
    public var bytesPerReceiver: [String: Int] {
        Dictionary(uniqueKeysWithValues: report.receivers.map { ($0.name, $0.payloadBytes) })
    }

    /// Receivers whose stream differs from what the scenario says should arrive (bytes or FNV-1a digest), or that
    /// saw a bad checksum. Empty when everything arrived intact. Receivers whose expected stream the scenario
    /// does not fix (policies whose result depends on timing) are judged by their checksums only.
    public var damagedReceivers: [String] {
        report.receivers.filter { $0.intact == false || $0.badChecksums > 0 }.map(\.name)
    }

    // MARK: Interrupts, CPU and the server's NIC

    /// Interrupts the server's NIC raised.
    public var interrupts: Int { Int(server.interrupts) }

    /// Virtual times at which the server's interrupt handler started, in order (one per interrupt serviced).
    public var interruptTimes: [SimTime] { world.host.interruptTimes }

    /// The gaps between consecutive ``interruptTimes``; empty with fewer than two interrupts.
    public var interruptGaps: [SimDuration] {
        let times = interruptTimes
        return zip(times.dropFirst(), times).map { $0 - $1 }
    }

    /// Frames the server's NIC put on the wire.
    public var framesTransmitted: Int { Int(server.framesTransmitted) }

    /// System calls the server's application made.
    public var systemCalls: Int { Int(server.syscalls) }

    /// Payload bytes the server's CPU copied (0 on a zero-copy path).
    public var cpuCopiedBytes: Int { Int(server.cpuCopiedBytes) }

    /// Cycles the server's CPU spent, all categories.
    public var cycles: Int { Int(server.cyclesTotal) }

    /// The server's cycles by category (`syscall`, `copy`, `stack`, `driver`, `interrupt` …).
    public var cyclesPerCategory: [String: Int] { server.cycles.mapValues { Int($0) } }

    /// Server cycles per frame transmitted, rounded down; 0 when nothing was sent.
    public var cyclesPerDatagram: Int { framesTransmitted == 0 ? 0 : cycles / framesTransmitted }

    /// The server's row of the report.
    public var server: Report.HostReport { report.hosts[0] }

    // MARK: The switch

    /// The largest number of bytes each switch output port held at once, by what the port leads to (the server's
    /// name or a receiver's).
    public var peakOccupancyPerPort: [String: Int] {
        Dictionary(report.switchPorts.map { ($0.peer, $0.peakOccupancyBytes) }, uniquingKeysWith: max)
    }

    /// The largest peak over all switch output ports, bytes.
    public var peakOccupancy: Int { report.switchPorts.map(\.peakOccupancyBytes).max() ?? 0 }

    /// Frames each switch output port dropped for want of buffer, by what the port leads to.
    public var dropsPerPort: [String: Int] {
        Dictionary(report.switchPorts.map { ($0.peer, $0.drops) }, uniquingKeysWith: +)
    }

    /// Frames the switch dropped, all ports.
    public var drops: Int { report.switchPorts.reduce(0) { $0 + $1.drops } }

    /// The frames the server transmitted as a pcap file, when ``TestWorld/capturingPcap()`` asked for them.
    public var pcapBytes: [UInt8]? { world.pcapBytes }
}
