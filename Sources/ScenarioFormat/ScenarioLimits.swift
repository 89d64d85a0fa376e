/// Ceilings on what a scenario may ask of the machine that runs it, so that a mistaken or hostile file is refused
/// with a clear message instead of exhausting memory or running for days.
///
/// Every key of a scenario already has a range; these limits bound what the ranges still allow together (4,096
/// receivers, each with a 1 GiB switch buffer, is in range key by key and needs half a terabyte). The parser checks
/// them after reading the file and before anything is built (``ScenarioParser/parse(yaml:file:overrides:limits:)``);
/// a refusal names the limit, the amount asked for, and the `--limit NAME=VALUE` that would allow it.
///
/// Whoever runs the parser sets the limits: the defaults here, `nicsim run --limit NAME=VALUE`, or a value passed in
/// code. A scenario's own `limits:` section may lower them (and so give its run a smaller event budget), never
/// raise them: a file cannot grant itself more of the machine than the person running it allowed.
///
/// | name | what it bounds | default |
/// |---|---|---|
/// | `memory` | physical memory of all emulated machines together (server + 64 MiB per `host` receiver) | 128 GiB |
/// | `buffers` | the application's buffers: the sum of the write entries' sizes (filled and kept in real memory) | 1
/// GiB |
/// | `traffic` | bytes the writes send: `writes.count` × buffers | 64 GiB |
/// | `events` | events one run handles before it stops (outcome `event-limit`) | 2,000,000,000 |
/// | `hosts` | emulated machines with a NIC, driver and OS: the server and every `host` receiver | 256 |
/// | `receivers` | receivers of every kind (the file format allows at most 4,096) | 4,096 |
/// | `port-buffers` | output buffer bytes of all switch and router ports together | 4 GiB |
/// | `ring-descriptors` | descriptors in every host's transmit and receive rings together | 1,048,576 |
/// | `streams` | entries of `streams.list` (the file format allows at most 256) | 256 |
/// | `stream-bytes` | media the streams hold in memory: generated (rate × play time) and read from files | 1 GiB |
public struct ScenarioLimits: Hashable, Sendable {
    /// Bytes of physical memory of all emulated machines together.
    public var memoryBytes: Int64 = 128 << 30
    /// Bytes of the application's buffers (the write entries' sizes added up).
    public var bufferBytes: Int64 = 1 << 30
    /// Bytes all writes send together: the number of writes times the buffers.
    public var trafficBytes: Int64 = 64 << 30
    /// Events one run may handle; the run stops there with outcome `event-limit`.
    public var events: Int64 = 2_000_000_000
    /// Emulated machines (the server and the `host` receivers).
    public var hosts: Int64 = 256
    /// Receivers of every kind.
    public var receivers: Int64 = 4096
    /// Output buffer bytes of every switch and router port together.
    public var portBufferBytes: Int64 = 4 << 30
    /// Transmit and receive descriptors of every emulated machine together.
    public var ringDescriptors: Int64 = 1 << 20
    /// Streams in `streams.list`.
    public var streams: Int64 = 256
    /// Bytes of media all streams hold: generated streams at their rate over their play time, files at their size.
    public var streamBytes: Int64 = 1 << 30

    /// Whether `network.vde.url` may use libvdeplug's `cmd://` transport, which starts a program of the URL's
    /// choosing (`cmd://ssh host vde_plug`, or any command). Off by default, so that running a scenario written by
    /// someone else never runs a program; the user turns it on (`nicsim run --allow-vde-command`). Not a `limits:`
    /// entry: a scenario cannot turn it on for itself. (`nicsim run --vde URL` comes from the user and is not
    /// checked.)
    public var allowsVDECommands = false

    /// Whether paths the scenario names (stream files, a kill fault's pid file) may lead outside the scenario's
    /// folder: absolute, climbing out with `..`, or through a symbolic link. Off by default, so that running a
    /// scenario from someone else reads only the files that came with it; the user turns it on
    /// (`nicsim run --allow-outside-paths`). Not a `limits:` entry: a scenario cannot turn it on for itself.
    public var allowsOutsidePaths = false

    /// The default limits.
    public init() {}

    /// One limit: its name in `--limit NAME=VALUE` and in a scenario's `limits:` section, the property it sets,
    /// and whether its value is a size (`64GiB`) or a plain count.
    struct Entry: Sendable {
        var name: String
        var keyPath: WritableKeyPath<ScenarioLimits, Int64> & Sendable
        var isSize: Bool
        var meaning: String
    }

    static let entries: [Entry] = [
        Entry(name: "memory", keyPath: \.memoryBytes, isSize: true, meaning: "the machines' memory"),
        Entry(name: "buffers", keyPath: \.bufferBytes, isSize: true, meaning: "the application's buffers"),
        Entry(name: "traffic", keyPath: \.trafficBytes, isSize: true, meaning: "the bytes the writes send"),
        Entry(name: "events", keyPath: \.events, isSize: false, meaning: "events per run"),
        Entry(name: "hosts", keyPath: \.hosts, isSize: false, meaning: "emulated hosts"),
        Entry(name: "receivers", keyPath: \.receivers, isSize: false, meaning: "receivers"),
        Entry(name: "port-buffers", keyPath: \.portBufferBytes, isSize: true, meaning: "switch and router buffers"),
        Entry(name: "ring-descriptors", keyPath: \.ringDescriptors, isSize: false, meaning: "ring descriptors"),
        Entry(name: "streams", keyPath: \.streams, isSize: false, meaning: "streams"),
        Entry(name: "stream-bytes", keyPath: \.streamBytes, isSize: true, meaning: "stream bytes"),
    ]

    /// The names `--limit` and the `limits:` section accept, in table order.
    public static var names: [String] { entries.map(\.name) }

    static func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The value of the limit called `name` (one of ``names``), or nil for an unknown name.
    public func value(named name: String) -> Int64? {
        Self.entry(named: name).map { self[keyPath: $0.keyPath] }
    }

    /// Sets one limit from `NAME=VALUE` (`memory=256GiB`, `events=5000000000`); sizes take the units of
    /// ``Units/bytes(_:)``, counts are plain integers. Values must be positive.
    ///
    /// - Throws: ``ScenarioError`` (without a file or place) naming the accepted names or the expected value.
    public mutating func set(_ assignment: String) throws(ScenarioError) {
        func fail(_ message: String) -> ScenarioError {
            ScenarioError(file: "", line: 0, column: 0, message: "--limit \(assignment): \(message)")
        }
        guard let eq = assignment.firstIndex(of: "=") else { throw fail("expected NAME=VALUE") }
        let name = String(assignment[..<eq])
        let text = String(assignment[assignment.index(after: eq)...])
        guard let entry = Self.entry(named: name) else {
            throw fail("unknown limit \"\(name)\"; expected one of: " + Self.names.joined(separator: ", "))
        }
        let parsed = entry.isSize ? Units.bytes(text) : Units.unsignedInteger(text).flatMap { Int64(exactly: $0) }
        guard let value = parsed, value > 0 else {
            throw fail(entry.isSize ? "expected a positive size like 64GiB" : "expected a positive integer")
        }
        self[keyPath: entry.keyPath] = value
    }

    /// `value` as the limit `name` writes it: a size with the largest binary (else decimal) unit that divides it,
    /// or a count.
    package static func format(_ value: Int64, isSize: Bool) -> String {
        guard isSize else { return String(value) }
        for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where value >= 1 << shift {
            if value & ((1 << shift) - 1) == 0 { return "\(value >> shift)\(unit)" }
        }
        for (scale, unit) in [(Int64(1_000_000_000_000), "TB"), (1_000_000_000, "GB"), (1_000_000, "MB"), (1000, "kB")]
        where value >= scale && value % scale == 0 {
            return "\(value / scale)\(unit)"
        }
        return "\(value)B"
    }
}
