import Foundation
import Scenarios

/// Scenario files: ``ScenarioParser/parse(bytes:file:overrides:limits:)`` (leading `#set KEY=VALUE` comment lines
/// are passed as overrides, like `nicsim run --set`), then, when the bytes are a scenario,
/// the world it describes built twice and run for a bounded number of events, with both reports produced.
///
/// The limits are tight (``limits``), so every world stays small; scenarios that reach outside the process (a
/// VDE port, stream files) are parsed but not built.
///
/// Checks: every parse error is located (line and column ≥ 1) in the named file; the same scenario gives the same
/// report twice (determinism); the run stops within its event limit.
enum ScenarioHarness {
    static let limits: ScenarioLimits = {
        var limits = ScenarioLimits()
        limits.memoryBytes = 1 << 30
        limits.bufferBytes = 256 << 10
        limits.trafficBytes = 4 << 20
        limits.events = 100_000
        limits.hosts = 4
        limits.receivers = 32
        limits.portBufferBytes = 8 << 20
        limits.ringDescriptors = 8192
        limits.streams = 4
        limits.streamBytes = 2 << 20
        return limits
    }()

    static func run(_ bytes: [UInt8], _ outcome: inout FuzzOutcome) {
        outcome.violations = check(bytes, &outcome)
    }

    static func check(_ bytes: [UInt8], _ outcome: inout FuzzOutcome) -> [String] {
        // Leading `#set KEY=VALUE` lines (YAML comments) are command-line overrides, as `nicsim run --set` gives them.
        var overrides: [ScenarioOverride] = []
        for line in String(decoding: bytes.prefix(4096), as: UTF8.self).split(separator: "\n").prefix(8) {
            guard line.hasPrefix("#set ") else { break }
            if let o = ScenarioOverride(String(line.dropFirst(5))) { overrides.append(o) }
        }
        outcome.counters["overrides"] = overrides.count
        let spec: ScenarioSpec
        do {
            spec = try ScenarioParser.parse(bytes: bytes, file: "fuzz.yaml", overrides: overrides, limits: limits)
        } catch {
            // Errors in an override point at line 0, as documented; all others at their place in the file.
            guard error.file == "fuzz.yaml", overrides.isEmpty ? error.line >= 1 && error.column >= 1 : error.line >= 0
            else {
                return ["an error without a place: \(error)"]
            }
            return []
        }
        outcome.counters["parsed"] = 1
        if spec.limits.events > limits.events { return ["the scenario raised its own event limit"] }
        guard spec.network.vde == nil else { return [] }
        if let streams = spec.streams,
            streams.list.contains(where: { if case .file = $0.source { true } else { false } })
        {
            return []
        }
        var reports: [String] = []
        for _ in 0..<2 {
            let world: World
            do {
                world = try World(spec: spec)
            } catch {
                // A scenario the machines cannot hold is refused; the refusal must say so.
                return error.message.isEmpty ? ["the world was refused without a message"] : []
            }
            defer { world.tearDown() }
            let end = world.run()
            let events = world.simulator.eventsProcessed
            outcome.counters["built"] = 1
            outcome.counters["events"] = Int(events)
            if events > UInt64(spec.limits.events) {
                return ["the run handled \(events) events, past its limit of \(spec.limits.events)"]
            }
            let report = world.report(outcome: end)
            let json = report.json()
            // The JSON report reads back as the same report (no NaN or infinity lost to "{}", nothing dropped).
            guard let decoded = try? JSONDecoder().decode(Report.self, from: Data(json.utf8)), decoded == report else {
                return ["the JSON report does not read back as the report: \(json.prefix(200))"]
            }
            reports.append(json + report.text())
        }
        return reports[0] == reports[1] ? [] : ["the same scenario gave two different reports"]
    }
}
