#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fuzz harnesses of issue 9: each takes arbitrary bytes, drives one part of nicsim with them, and returns the
/// invariants that broke (none when all held).
///
/// The same functions run under libFuzzer (the executables in `Fuzzers/`, built with `-sanitize=fuzzer`) and in
/// `FuzzReplayTests`, which replays every file under `Fixtures/fuzz/<name>/`: the seed corpus and every input that
/// once crashed or broke an invariant. A harness never traps on bad input; a trap, like a broken invariant, is a
/// bug in nicsim.
public enum FuzzHarness: String, CaseIterable, Sendable {
    /// Frames from a real network through the VDE port's receive path into the switch, hosts, routers and
    /// set-top boxes.
    case vdeFrames = "vde-frames"
    /// MPEG transport streams: analyzer, inspector, stream source and a set-top box.
    case transportStream = "mpeg-ts"
    /// Scenario files: the parser, then the world and a bounded run.
    case scenario
    /// An adversarial driver: registers, descriptors, DMA addresses, doorbells and time against the NIC.
    case driver

    /// The name of the harness's folder under `Fixtures/fuzz` and of its executable (`fuzz-<name>`).
    public var name: String { rawValue }

    /// Inputs longer than this are cut (libFuzzer's `-max_len` for the harness).
    public var maximumInputBytes: Int {
        switch self {
        case .vdeFrames: 16_384
        case .transportStream: 65_536
        case .scenario: 16_384
        case .driver: 8_192
        }
    }

    /// Runs one input: what went wrong (in words; empty when every check held) and what the input reached.
    public func run(_ bytes: [UInt8]) -> FuzzOutcome {
        let input = bytes.count > maximumInputBytes ? Array(bytes.prefix(maximumInputBytes)) : bytes
        var outcome = FuzzOutcome()
        switch self {
        case .vdeFrames: FrameHarness.run(input, &outcome)
        case .transportStream: TransportStreamHarness.run(input, &outcome)
        case .scenario: ScenarioHarness.run(input, &outcome)
        case .driver: DriverHarness.run(input, &outcome)
        }
        return outcome
    }

    /// What a libFuzzer entry point (`LLVMFuzzerTestOneInput`) does: runs the input and, when a check broke, writes
    /// the violations to standard error and aborts, which libFuzzer records as a finding. Returns 0 otherwise.
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        let outcome = run(bytes)
        guard outcome.violations.isEmpty else {
            let report = "fuzz-\(name): " + outcome.violations.joined(separator: "\n  ") + "\n"
            _ = report.withCString { write(2, $0, strlen($0)) }
            abort()
        }
        return 0
    }
}

/// What one fuzz input did.
public struct FuzzOutcome: Sendable {
    /// The checks that broke, in words; empty when all held.
    public var violations: [String] = []
    /// Counts of what the input reached (frames sent, ARP requests answered …), by name, for tests of the seeds.
    public var counters: [String: Int] = [:]
    /// An outcome with nothing recorded yet.
    public init() {}
}
