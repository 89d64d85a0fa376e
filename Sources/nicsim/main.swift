import ArgumentParser
import Foundation
import Scenarios
import SimCore

/// `nicsim`: run scenarios of the emulated NIC, driver, OS and network.
///
/// Exit status: 0 all well, 1 an expectation failed, 2 bad input or environment, 3 an output could not be written
/// whole (each file named with the system's error; a partial file is removed).
struct NICSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nicsim",
        abstract: "Emulate a DMA-capable NIC, its driver and OS, and the network below it, in virtual time.",
        subcommands: [
            Run.self, Compare.self, SweepCommand.self, Media.self, ListLabs.self, RunLab.self, Fingerprint.self,
        ])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario file and print its report.",
        discussion: """
            Exit status: 0 when the run ended and every expectation (the scenario's expect: section) held; 1 when an
            expectation failed (each is named); 2 for bad input; 3 when an output (--pcap, --html, --csv,
            --trace-file, or the report on standard output) could not be written whole: each such file is named with
            the system's error, and a partial file is removed (the other outputs are still written); 130 or 143 when
            SIGINT or SIGTERM stopped the run (the report and the pcap of the run so far are still written).
            """)

    @Argument(help: "The scenario file (YAML).")
    var scenario: String

    @Option(help: "Write the frames the server transmits to this pcap file (nanosecond timestamps, virtual time).")
    var pcap: String?

    @Option(help: "Report format: text or json.")
    var format: ReportFormat = .text

    @Option(help: "Override the scenario's seed.")
    var seed: UInt64?

    @Option(
        name: .customLong("set"), help: "Override a scenario value: KEY=VALUE, KEY a dotted path (server.driver.order)."
    )
    var overrides: [String] = []

    @OptionGroup var limitOptions: ScenarioLimitOptions

    @Option(help: ArgumentHelp(
        "Attach the switch to a real network through this libvdeplug URL (vde:///tmp/sw, ptp:///tmp/p, tap://tap0 …); "
            + "time is then paced to the wall clock."))
    var vde: String?

    @Flag(name: .customLong("real-time-priority"), help: ArgumentHelp(
        "With a real-time VDE port: run the pacing thread under SCHED_FIFO with locked memory (mlockall) when allowed "
            + "(root or CAP_SYS_NICE); otherwise say why and pace at normal priority. Same as "
            + "network.vde.real-time-priority: true."))
    var realTimePriority = false

    @Option(help: ArgumentHelp(
        "Write a Perfetto trace of the run (open it at ui.perfetto.dev): tracks per machine, queue, port, link and "
            + "receiver, counters, and flow arrows per datagram."))
    var perfetto: String?

    @Option(name: .customLong("perfetto-window"), help: ArgumentHelp(
        "With --perfetto: keep only events from FROM to TO of virtual time (e.g. 1ms..2ms; either side may be empty)."))
    var perfettoWindow: String?

    @Option(name: .customLong("perfetto-counter-interval"), help: ArgumentHelp(
        "With --perfetto: at most two points per counter track per interval of virtual time (e.g. 10us); 0, the "
            + "default, keeps every change."))
    var perfettoCounterInterval: String?

    @Option(help: ArgumentHelp(
        "Write a pcapng capture with one interface per capture point (server NIC, each switch port's egress, each "
            + "receiver, the VDE port) and a comment per frame naming its write call, destination, segment and "
            + "descriptors."))
    var pcapng: String?

    @Option(help: "Write one self-contained HTML page with SVG charts of the run to this file.")
    var html: String?

    @Option(help: "Write the run's series as CSV to this file: one row per datagram arrival, or per --csv-interval.")
    var csv: String?

    @Option(
        name: .customLong("csv-interval"),
        help: "With --csv: one row per interval of virtual time (e.g. 1ms) instead of one per datagram.")
    var csvInterval: String?

    @Flag(
        help: "Print an event trace (time, component, what happened, descriptor indices, addresses) before the report.")
    var trace = false

    @Option(name: .customLong("trace-format"), help: ArgumentHelp(
        "Trace format: text (readable lines) or jsonl (one JSON object per line; the report then goes to standard "
            + "error)."))
    var traceFormat: TraceWriter.Format = .text

    @Option(
        name: .customLong("trace-file"),
        help: "Write the trace to this file instead of standard output (implies --trace).")
    var traceFile: String?

    @Flag(inversion: .prefixedNo, help: "Show progress on standard error when it is a terminal (default on).")
    var progress = true

    /// `FROM..TO` in picoseconds; either side may be empty (the run's start or end).
    static func window(_ text: String) -> Range<Int64>? {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2 else { return nil }
        let from = parts[0].isEmpty ? 0 : Units.picoseconds(parts[0])
        let to = parts[1].isEmpty ? Int64.max : Units.picoseconds(parts[1])
        guard let from, let to, from >= 0, from < to else { return nil }
        return from..<to
    }

    enum ReportFormat: String, ExpressibleByArgument {
        case text, json
    }

    func run() throws {
        // From here on a stop signal is noted, not fatal: the run ends at its next check and writes what it has.
        StopSignals.install()
        var parsed: [ScenarioOverride] = []
        for text in overrides {
            guard let o = ScenarioOverride(text) else { throw Failure(message: "--set \(text): expected KEY=VALUE") }
            parsed.append(o)
        }
        if let vde { parsed.append(ScenarioOverride(path: ["network", "vde", "url"], value: vde)) }
        if realTimePriority {
            parsed.append(ScenarioOverride(path: ["network", "vde", "real-time-priority"], value: "true"))
        }
        var interval: SimDuration?
        if let csvInterval {
            guard let ps = Units.picoseconds(csvInterval), ps > 0 else {
                throw Failure(message: "--csv-interval \(csvInterval): expected a duration such as 1ms or 500us")
            }
            guard csv != nil else { throw Failure(message: "--csv-interval needs --csv FILE") }
            interval = SimDuration(rawValue: ps)
        }
        var window: Range<Int64> = Int64.min..<Int64.max
        if let text = perfettoWindow {
            guard perfetto != nil else { throw Failure(message: "--perfetto-window needs --perfetto FILE") }
            guard let w = Self.window(text) else {
                throw Failure(
                    message:
                        "--perfetto-window \(text): expected FROM..TO with durations such as 1ms..2ms, FROM before TO")
            }
            window = w
        }
        var counterInterval: Int64 = 0
        if let text = perfettoCounterInterval {
            guard perfetto != nil else { throw Failure(message: "--perfetto-counter-interval needs --perfetto FILE") }
            guard let ps = Units.picoseconds(text), ps >= 0 else {
                throw Failure(message: "--perfetto-counter-interval \(text): expected a duration such as 10us, or 0")
            }
            counterInterval = ps
        }
        var spec: ScenarioSpec
        do {
            spec = try ScenarioParser.parse(
                contentsOf: scenario, overrides: parsed,
                limits: limitOptions.scenarioLimits())
        } catch {
            throw Failure(message: error.description)
        }
        if let seed { spec.seed = seed }
        var options = World.Options()
        options.pacingSeriesInterval = interval
        // At most a few lines: each episode of falling behind the wall clock says so once when it starts and
        // once when it ends; the report counts them all.
        var pacingLines = 0
        options.pacingMessages = { line in
            pacingLines += 1
            if pacingLines <= 10 {
                FileHandle.standardError.write(Data("nicsim: \(line)\n".utf8))
            } else if pacingLines == 11 {
                FileHandle.standardError.write(
                    Data(
                        "nicsim: further pacing messages left out; the report's vde section counts every episode\n".utf8
                    ))
            }
        }
        // The outputs written while the run goes are opened first, so a path that cannot be created costs no run.
        var pcapOutput: OutputFile?
        var traceWriter: TraceWriter?
        do {
            if let pcap { pcapOutput = try OutputFile(path: pcap) }
            if let traceFile { traceWriter = TraceWriter(format: traceFormat, output: try OutputFile(path: traceFile)) }
        } catch {
            pcapOutput?.discard()
            throw Failure(outputs: [error])
        }
        options.pcapOutput = pcapOutput
        var tracers: [any Tracer] = []
        if trace && traceWriter == nil { traceWriter = TraceWriter(format: traceFormat) }
        if let traceWriter { tracers.append(traceWriter) }
        var recorder: RunRecorder?
        if html != nil || csv != nil {
            let r = RunRecorder(serverName: spec.server.name)
            recorder = r
            tracers.append(r)
        }
        var perfettoTrace: PerfettoTrace?
        var pcapngCapture: PcapNGCapture?
        do {
            if let perfetto {
                let t = try PerfettoTrace(path: perfetto, spec: spec, window: window, counterInterval: counterInterval)
                perfettoTrace = t
                tracers.append(t)
            }
            if let pcapng {
                let c = try PcapNGCapture(path: pcapng, spec: spec)
                pcapngCapture = c
                tracers.append(c)
            }
        } catch {
            // An output that cannot be created: the same status as every other output that cannot be written.
            pcapOutput?.discard()
            perfettoTrace?.discard()
            throw Failure(outputs: [error])
        }
        options.tracer = tracers.isEmpty ? nil : (tracers.count == 1 ? tracers[0] : TraceFanOut(tracers))
        let world: World
        do {
            world = try World(spec: spec, options: options)
        } catch {
            pcapOutput?.discard()
            if traceFile != nil { traceWriter?.output.discard() }
            perfettoTrace?.discard()
            pcapngCapture?.discard()
            throw Failure(message: error.file.isEmpty ? "\(scenario): \(error.description)" : error.description)
        }
        perfettoTrace?.attach(world)
        pcapngCapture?.attach(world)
        let monitor = RunProgress(show: progress && isatty(2) == 1, end: spec.duration)
        world.simulator.monitor = monitor
        let outcome = world.run()
        monitor.finish()
        let report = world.report(outcome: outcome)
        // Every output is written whole or named here with its error; one that fails does not stop the others.
        var failures: [OutputError] = []
        do { try traceWriter?.finish() } catch { failures.append(error) }
        do { try world.finishPcap() } catch { failures.append(error) }
        do { try perfettoTrace?.finish() } catch { failures.append(error) }
        do { try pcapngCapture?.finish() } catch { failures.append(error) }
        if let html, let recorder {
            let page = HTMLReport.page(report, recorder: recorder, timeline: perfetto,
                                       command: "nicsim run \(scenario) --perfetto run.pftrace")
            do { try OutputFile.write(page, to: html) } catch { failures.append(error) }
        }
        if let csv, let recorder {
            let text = interval.map {
                CSVReport.perInterval(report, recorder: recorder, interval: $0, pacing: world.pacer?.series)
            }
                ?? CSVReport.perPacket(report, recorder: recorder)
            do { try OutputFile.write(text, to: csv) } catch { failures.append(error) }
        }
        // The report goes out whatever else failed; with a JSON-lines trace on standard output it goes to standard
        // error.
        let colour = format == .text && isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let body = format == .json ? report.json() : report.text(colour: colour)
        let reportOutput = traceWriter != nil && traceFile == nil && traceFormat == .jsonl
            ? OutputFile.standardError() : OutputFile.standardOutput()
        reportOutput.write(body)
        do { try reportOutput.close() } catch { failures.append(error) }
        if !failures.isEmpty { throw Failure(outputs: failures) }
        if let fault = report.driverFault {
            throw Failure(message: "\(scenario): \(fault); report and outputs written")
        }
        if outcome == .interrupted {
            let signal = StopSignals.received
            let message = "nicsim: stopped by signal \(signal) at virtual time \(world.simulator.now); "
                + "report and outputs written\n"
            FileHandle.standardError.write(Data(message.utf8))
            Foundation.exit(128 + signal)
        }
        let failed = report.failedExpectations
        if !failed.isEmpty {
            for f in failed {
                FileHandle.standardError.write(
                    Data("nicsim: expectation failed: \(f.name)\(f.message.map { " (\($0))" } ?? "")\n".utf8))
            }
            Foundation.exit(1)
        }
    }
}

extension TraceWriter.Format: ExpressibleByArgument {}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one scenario in several variants and print them side by side.",
        discussion: """
            Each --set KEY=V1,V2,… adds a dimension; every combination runs. Example:
              nicsim compare Fixtures/scenarios/two-receivers.yaml --set server.driver.mode=copy,zero-copy
            """)

    @Argument(help: "The scenario file (YAML).")
    var scenario: String

    @Option(name: .customLong("set"), help: "KEY=V1,V2,…: the values to compare for a dotted key path.")
    var sets: [String] = []

    @Option(help: "Output format: text or json.")
    var format: Run.ReportFormat = .text

    @OptionGroup var limitOptions: ScenarioLimitOptions

    func run() throws {
        let dimensions = try sweepDimensions(sets, command: "compare")
        var variants: [Comparison.Variant] = []
        var name = scenario
        for combination in Comparison.combinations(dimensions) {
            let spec: ScenarioSpec
            do {
                spec = try ScenarioParser.parse(contentsOf: scenario, overrides: combination,
                                                limits: limitOptions.scenarioLimits())
            } catch {
                throw Failure(message: error.description)
            }
            name = spec.name
            let world: World
            do {
                world = try World(spec: spec)
            } catch {
                throw Failure(message: error.file.isEmpty ? "\(scenario): \(error.description)" : error.description)
            }
            let report = world.report(outcome: world.run())
            // A --set with one value is a fixed setting, not a dimension: it names no column (unless nothing varies).
            let varying = combination.filter { o in dimensions.contains { $0.path == o.path && $0.values.count > 1 } }
            variants.append(
                Comparison.Variant(label: Sweep.label(varying.isEmpty ? combination : varying), report: report))
        }
        let comparison = Comparison(scenario: name, variants: variants)
        let output = OutputFile.standardOutput()
        output.write(format == .json ? comparison.json() : comparison.text())
        do { try output.close() } catch { throw Failure(outputs: [error]) }
    }
}

/// A failure reported on standard error, one line each, with exit status 2 (bad input or environment) or 3 (an
/// output could not be written whole).
struct Failure: Error {
    var message: String
    var status: Int32 = 2

    init(message: String) {
        self.message = message
    }

    /// Outputs that could not be written whole: each named with its error, exit status 3.
    init(outputs: [OutputError]) {
        message = outputs.map(\.description).joined(separator: "\nnicsim: ")
        status = 3
    }
}

/// Runs an asynchronous command (`nicsim lab`: the real-network lab runs its programs with swift-subprocess). A
/// function of its own: in top-level code the compiler picks `ParsableCommand`'s synchronous `run()` instead.
func runAsynchronous(_ command: some AsyncParsableCommand) async throws {
    var command = command
    try await command.run()
}

do {
    var command = try NICSim.parseAsRoot()
    if let lab = command as? any AsyncParsableCommand {
        try await runAsynchronous(lab)
    } else {
        try command.run()
    }
} catch let failure as Failure {
    FileHandle.standardError.write(Data("nicsim: \(failure.message)\n".utf8))
    exit(failure.status)
} catch {
    let code = NICSim.exitCode(for: error)
    if code == .success {
        print(NICSim.fullMessage(for: error))
        exit(0)
    }
    FileHandle.standardError.write(Data((NICSim.fullMessage(for: error) + "\n").utf8))
    exit(2)
}
