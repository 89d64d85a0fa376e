/// One lab: a question about the emulated NIC, driver, OS or network, the command a student types to answer it,
/// what to look at in the output, and the numbers they will see.
///
/// A lab is data. ``LabRunner`` runs its scenario in every variant (exactly as `nicsim compare` would), reads
/// each stated ``Number`` from the reports and prints stated and measured side by side; the tests run every lab
/// and fail when a measured number leaves its stated tolerance, so the text cannot drift from the model.
public struct Lab: Sendable, Identifiable {
    /// The claim groups the labs cover, in the order `nicsim labs` lists them.
    public enum Group: String, CaseIterable, Sendable {
        /// Copying the payload or letting the NIC read the application's pages (B1, B5, B6).
        case copy = "zero-copy vs copy"
        /// One call per datagram, batches, aggregates, or one multi-destination write (A7, B1).
        case aggregate = "one write vs many (aggregate)"
        /// Datagrams cut by the driver or by the NIC.
        case segmentation = "driver vs NIC segmentation"
        /// Interrupts per packet, per write, and the NIC's moderation timers (B7).
        case moderation = "interrupt moderation"
        /// Write order and switch port buffers (B35–B43).
        case interleaving = "interleaving and switch buffers"
        /// Redirect and replicate, in the OS or in hardware (A1–A6).
        case policies = "policies (redirect, replicate, OS vs hardware)"
        /// Stamped datagrams, released by the OS or by NIC launch time (A12–A15).
        case timing = "timed transmission"
        /// Media to set-top boxes: jitter, buffers, underflows (B2–B4, B44–B48).
        case media = "set-top boxes and jitter"
        /// The emulated network attached to a real Linux stack through VDE.
        case realNetwork = "VDE to a real Linux host"
    }

    /// How a lab runs.
    public enum Kind: Sendable, Hashable {
        /// Every combination of the ``Lab/vary`` values, in virtual time only (no privileges needed).
        case simulation
        /// Attached through vde_switch and a tap device to the Linux stack in a network namespace the lab makes
        /// and removes: needs root, vde2 (`vde_switch`, `vde_plug2tap`), iproute2 and ping.
        case realLinux
    }

    /// A stated number: what the student will read, which variant and report value it comes from, and how
    /// close the measured value must be.
    public struct Number: Sendable, Hashable, Identifiable {
        /// Short key that ``Lab/observe`` and ``Lab/answer`` cite as `{id}`.
        public var id: String
        /// What the number is, in words ("cycles per datagram").
        public var what: String
        /// The variant's label as `nicsim compare` prints it (the values joined by spaces); empty for a
        /// single run.
        public var variant: String
        /// The report value it is.
        public var metric: LabMetric
        /// The value the lab states.
        public var stated: Int64
        /// How close the measured value must be.
        public var tolerance: Tolerance

        /// A stated number; `tolerance` is exact unless given.
        public init(_ id: String, _ what: String, variant: String, _ metric: LabMetric, _ stated: Int64,
                    _ tolerance: Tolerance = .exact) {
            self.id = id
            self.what = what
            self.variant = variant
            self.metric = metric
            self.stated = stated
            self.tolerance = tolerance
        }

        /// Whether `measured` is what the lab states, within the tolerance.
        public func accepts(_ measured: Int64) -> Bool {
            switch tolerance {
            case .exact: measured == stated
            case .within(let d): measured >= stated - d && measured <= stated + d
            case .atLeast: measured >= stated
            }
        }

        /// The stated value as the lab prints it, with its tolerance ("1,040", "≥ 3", "5.3 ms ± 100 us").
        public var statedText: String {
            let value = metric.unit.format(stated)
            switch tolerance {
            case .exact: return value
            case .within(let d): return value + " ± " + metric.unit.format(d)
            case .atLeast: return "≥ " + value
            }
        }
    }

    /// How far a measured number may be from the stated one.
    public enum Tolerance: Sendable, Hashable {
        /// Equal: the simulation is deterministic, so most numbers are stated exactly.
        case exact
        /// At most this far either way (same unit as the number).
        case within(Int64)
        /// At least the stated value (for counts a real host may exceed, such as extra ARP replies).
        case atLeast
    }

    /// The lab's name.
    public var id: String { name }
    /// The name `nicsim lab NAME` takes.
    public var name: String
    /// The claim group it belongs to.
    public var group: Group
    /// A headline, phrased as what the lab finds out.
    public var title: String
    /// The question the lab answers.
    public var question: String
    /// Whether it runs in virtual time only or against real Linux.
    public var kind: Kind
    /// The scenario file inside `Fixtures/labs`.
    public var scenario: String
    /// The keys varied and their values, as `nicsim compare --set KEY=V1,V2` takes them; the first varies
    /// slowest. Empty for one run.
    public var vary: [(key: String, values: [String])]
    /// Further overrides applied to every variant (`KEY=VALUE`).
    public var settings: [String]
    /// What to look at in the output; `{id}` stands for a stated number.
    public var observe: [String]
    /// What the numbers mean: the answer to the question; `{id}` stands for a stated number.
    public var answer: String
    /// The numbers the lab states, each checked against the run.
    public var numbers: [Number]

    /// A lab with every field given.
    public init(name: String, group: Group, title: String, question: String, kind: Kind = .simulation,
                scenario: String, vary: [(key: String, values: [String])], settings: [String] = [],
                observe: [String], answer: String, numbers: [Number]) {
        self.name = name
        self.group = group
        self.title = title
        self.question = question
        self.kind = kind
        self.scenario = scenario
        self.vary = vary
        self.settings = settings
        self.observe = observe
        self.answer = answer
        self.numbers = numbers
    }

    /// The scenario's path as the student types it from the repository root.
    public var scenarioPath: String { "Fixtures/labs/" + scenario }

    /// The commands a student types (from the repository root) to see what the lab shows.
    public var commands: [String] {
        let sets = settings.map { " --set " + $0 }.joined()
        switch kind {
        case .realLinux:
            return ["sudo swift run nicsim lab \(name)",
                    "# or by hand, as root, with a namespace and a switch of your own:",
                    "vde_switch -s /tmp/nicsim-lab -d",
                    "ip netns add nicsim-lab && ip netns exec nicsim-lab vde_plug2tap -s /tmp/nicsim-lab lab0 &",
                    "ip -n nicsim-lab link set lab0 up && ip -n nicsim-lab addr add 192.0.2.1/24 dev lab0",
                    "swift run nicsim run \(scenarioPath) --set network.vde.url=vde:///tmp/nicsim-lab &",
                    "ip netns exec nicsim-lab ping -c 3 -i 0.3 192.0.2.100"]
        case .simulation where vary.isEmpty:
            return ["swift run nicsim run \(scenarioPath)" + sets]
        case .simulation:
            let dims = vary.map { " --set \($0.key)=" + $0.values.joined(separator: ",") }.joined()
            return ["swift run nicsim compare \(scenarioPath)" + dims + sets]
        }
    }

    /// Commands that draw what the lab shows: one HTML page of charts per variant (ring and interrupts, switch
    /// queues, arrivals and gaps, one packet's way, cycles), and a trace of the first variant's first steps.
    public var pictures: [String] {
        guard kind == .simulation else { return [] }
        let sets = settings.map { " --set " + $0 }.joined()
        var variants: [[String]] = [[]]
        for dimension in vary {
            variants = variants.flatMap { prefix in dimension.values.map { prefix + ["\(dimension.key)=\($0)"] } }
        }
        var lines = variants.prefix(4).map { v in
            let tag = v.map { $0.split(separator: "=").last.map(String.init) ?? "" }.joined(separator: "-")
            return "swift run nicsim run \(scenarioPath)" + sets + v.map { " --set " + $0 }.joined()
                + " --html \(name)\(tag.isEmpty ? "" : "-" + tag).html"
        }
        lines.append(
            "swift run nicsim run \(scenarioPath)" + sets + (variants.first ?? []).map { " --set " + $0 }.joined()
                + " --trace | head -40")
        return lines
    }

    /// The command that writes the lab's timeline: a Perfetto trace (every call, descriptor, DMA read, frame,
    /// queue and arrival, with arrows that follow each datagram; open it at ui.perfetto.dev) and a pcapng capture
    /// of every capture point, of the first variant.
    public var timeline: String {
        let sets = settings.map { " --set " + $0 }.joined()
        let first = vary.map { " --set \($0.key)=\($0.values.first ?? "")" }.joined()
        let real = kind == .realLinux ? " --set network.vde.url=vde:///tmp/nicsim-lab" : ""
        return "swift run nicsim run \(scenarioPath)" + sets + first + real
            + " --perfetto \(name).pftrace --pcapng \(name).pcapng"
    }

    /// The variants' labels in run order, as `nicsim compare` prints them.
    public var variantLabels: [String] {
        var labels = [""]
        for dimension in vary {
            labels = labels.flatMap { prefix in
                dimension.values.map { prefix.isEmpty ? $0 : prefix + " " + $0 }
            }
        }
        return labels
    }

    /// `text` with every `{id}` replaced by that number's stated value; unknown ids stay as they are.
    public func resolve(_ text: String) -> String {
        var out = text
        for n in numbers { out = out.replacing("{\(n.id)}", with: n.metric.unit.format(n.stated)) }
        return out
    }
}
