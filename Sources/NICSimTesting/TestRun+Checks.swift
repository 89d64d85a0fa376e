import Scenarios
import SimCore

extension TestRun {
    /// One statement about a run, such as "45 segments to rx1", that ``TestRun/verify(_:)-(TestRun.Check...)`` checks.
    ///
    /// A check that fails says what it expected and what the run did, in words; one that names a receiver the
    /// world does not have says so and lists the names it has.
    public struct Check: Sendable, CustomStringConvertible {
        /// What the check states, for example `segments to rx1 = 45`.
        public let description: String
        let evaluate: @Sendable (TestRun) -> String?

        /// A check with its own test: `failure` returns nil when the run satisfies it, else what went wrong.
        public init(_ description: String, failure: @escaping @Sendable (TestRun) -> String?) {
            self.description = description
            self.evaluate = failure
        }

        /// Whether the run satisfies the check; nil when it does, else the failure in words.
        public func failure(in run: TestRun) -> String? { evaluate(run).map { "\(description): \($0)" } }

        static func count(_ name: String, _ expected: Int, _ actual: @escaping @Sendable (TestRun) -> Int) -> Check {
            Check("\(name) = \(expected)") { run in
                let value = actual(run)
                return value == expected ? nil : "expected \(expected), got \(value)"
            }
        }

        static func range(_ name: String, _ expected: ClosedRange<Int>, _ actual: @escaping @Sendable (TestRun) -> Int)
            -> Check
        {
            Check("\(name) in \(expected.lowerBound)…\(expected.upperBound)") { run in
                let value = actual(run)
                return expected.contains(value)
                    ? nil : "expected \(expected.lowerBound)…\(expected.upperBound), got \(value)"
            }
        }

        static func named(_ what: String, _ receiver: String, _ expected: Int,
                          _ table: @escaping @Sendable (TestRun) -> [String: Int]) -> Check {
            Check("\(what) \(receiver) = \(expected)") { run in
                guard let value = table(run)[receiver] else { return run.unknown(receiver) }
                return value == expected ? nil : "expected \(expected), got \(value)"
            }
        }

        // MARK: Destinations and receivers

        /// The server's driver built `count` datagrams (segments) for `receiver`.
        public static func segments(_ count: Int, to receiver: String) -> Check {
            named("segments to", receiver, count) { $0.segmentsPerDestination }
        }

        /// The server's driver described `bytes` payload bytes for `receiver`.
        public static func bytes(_ bytes: Int, to receiver: String) -> Check {
            named("payload bytes to", receiver, bytes) { $0.bytesPerDestination }
        }

        /// `receiver` got `count` datagrams.
        public static func datagrams(_ count: Int, receivedBy receiver: String) -> Check {
            named("datagrams received by", receiver, count) { $0.datagramsPerReceiver }
        }

        /// `receiver` got `bytes` payload bytes.
        public static func bytes(_ bytes: Int, receivedBy receiver: String) -> Check {
            named("payload bytes received by", receiver, bytes) { $0.bytesPerReceiver }
        }

        /// Every receiver got what the scenario says it should, byte for byte, with valid checksums.
        public static let intact = Check("every receiver intact") { run in
            let damaged = run.damagedReceivers
            return damaged.isEmpty ? nil : "damaged or incomplete: " + damaged.joined(separator: ", ")
        }

        // MARK: Interrupts and CPU

        /// The server's NIC raised exactly `count` interrupts.
        public static func interrupts(_ count: Int) -> Check { Check.count("interrupts", count) { $0.interrupts } }

        /// The server's NIC raised between `range.lowerBound` and `range.upperBound` interrupts.
        public static func interrupts(_ range: ClosedRange<Int>) -> Check {
            Check.range("interrupts", range) { $0.interrupts }
        }

        /// The server's interrupt handler ran exactly at `times`, in order.
        public static func interruptTimes(_ times: [SimTime]) -> Check {
            Check("interrupt times = \(times)") { run in
                let actual = run.interruptTimes
                guard actual != times else { return nil }
                if actual.count != times.count {
                    return "expected \(times.count) interrupts, got \(actual.count): \(actual)"
                }
                let i = zip(actual, times).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
                return "interrupt \(i + 1) at \(actual[i]), expected \(times[i])"
            }
        }

        /// No two consecutive interrupts of the server came closer than `gap` (moderation at work).
        public static func interruptsSpaced(atLeast gap: SimDuration) -> Check {
            Check("interrupts at least \(gap) apart") { run in
                guard let (i, shortest) = run.interruptGaps.enumerated().min(by: { $0.element < $1.element }),
                      shortest < gap else { return nil }
                return "interrupts \(i + 1) and \(i + 2) came \(shortest) apart"
            }
        }

        /// The server made `count` system calls.
        public static func systemCalls(_ count: Int) -> Check { Check.count("system calls", count) { $0.systemCalls } }

        /// The server's CPU copied `bytes` payload bytes (0: zero-copy).
        public static func cpuCopiedBytes(_ bytes: Int) -> Check {
            Check.count("CPU-copied bytes", bytes) { $0.cpuCopiedBytes }
        }

        /// The server spent `range` cycles per frame transmitted.
        public static func cyclesPerDatagram(_ range: ClosedRange<Int>) -> Check {
            Check.range("cycles per datagram", range) { $0.cyclesPerDatagram }
        }

        /// The server's NIC put `count` frames on the wire.
        public static func framesTransmitted(_ count: Int) -> Check {
            Check.count("frames transmitted", count) { $0.framesTransmitted }
        }

        // MARK: The switch

        /// The switch port toward `peer` (a receiver's name, or the server's) peaked at exactly `bytes`.
        public static func peakOccupancy(_ bytes: Int, toward peer: String) -> Check {
            named("peak bytes toward", peer, bytes) { $0.peakOccupancyPerPort }
        }

        /// No switch port held more than `bytes` at once.
        public static func peakOccupancy(atMost bytes: Int) -> Check {
            Check("every switch port's peak ≤ \(bytes) bytes") { run in
                let over = run.report.switchPorts.filter { $0.peakOccupancyBytes > bytes }
                return over.isEmpty
                    ? nil : over.map { "\($0.peer) peaked at \($0.peakOccupancyBytes)" }.joined(separator: ", ")
            }
        }

        /// The switch dropped `count` frames over all its ports.
        public static func drops(_ count: Int) -> Check { Check.count("switch drops", count) { $0.drops } }

        /// The switch port toward `peer` dropped `count` frames.
        public static func drops(_ count: Int, toward peer: String) -> Check {
            named("drops toward", peer, count) { $0.dropsPerPort }
        }
    }

    /// The failures among `checks`, each in words; empty when the run satisfies all of them.
    ///
    /// `#expect(run.failures(of: .segments(45, to: "rx1")) == [])` shows the words when it fails.
    public func failures(of checks: Check...) -> [String] { failures(of: checks) }

    /// The failures among `checks`, each in words; empty when the run satisfies all of them.
    public func failures(of checks: [Check]) -> [String] { checks.compactMap { $0.failure(in: self) } }

    /// Checks everything at once and throws one ``Mismatch`` listing every check that failed.
    public func verify(_ checks: Check...) throws(Mismatch) { try verify(checks) }

    /// Checks everything at once and throws one ``Mismatch`` listing every check that failed.
    public func verify(_ checks: [Check]) throws(Mismatch) {
        let failed = failures(of: checks)
        guard failed.isEmpty else {
            throw Mismatch(scenario: report.scenario, seed: report.seed, checked: checks.count, failures: failed)
        }
    }

    /// Checks that did not hold, thrown by ``TestRun/verify(_:)-(TestRun.Check...)``.
    public struct Mismatch: Error, Hashable, Sendable, CustomStringConvertible {
        /// The scenario's name.
        public var scenario: String
        /// The run's seed.
        public var seed: UInt64
        /// How many checks ran.
        public var checked: Int
        /// Each failed check with what the run did instead.
        public var failures: [String]
        /// A line saying how many checks failed, then one line per failure.
        public var description: String {
            "\(failures.count) of \(checked) checks failed (scenario \(scenario), seed \(seed)):\n"
                + failures.map { "  - " + $0 }.joined(separator: "\n")
        }
    }

    func unknown(_ name: String) -> String {
        let peers = Set(report.switchPorts.map(\.peer))
        let names = receiverNames + (peers.contains(report.hosts[0].name) ? [report.hosts[0].name] : [])
        return "no receiver or port named \"\(name)\" (there are: \(names.joined(separator: ", ")))"
    }
}
