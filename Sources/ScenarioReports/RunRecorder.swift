import ScenarioFormat
import ScenarioWorld
import SimCore

/// Keeps the time series a run's charts and CSV files are drawn from, by listening to its trace.
///
/// It records the server NIC's transmit-ring occupancy and interrupts, each switch port's queue, and every
/// arrival at a receiver; and the early records of the whole path, from which ``journey()`` picks one packet's
/// way from the write call to its receiver. Each series keeps at most ``pointLimit`` points (the first ones) so
/// that long runs stay bounded in memory; ``truncated`` says when a limit was hit.
public final class RunRecorder: Tracer {
    /// A (time, value) point.
    public struct Point: Sendable, Equatable {
        public var time: SimTime
        public var value: Int64
    }

    /// One arrival at a receiver.
    public struct Arrival: Sendable, Equatable {
        public var time: SimTime
        public var bytes: Int
        public var ipID: Int
    }

    /// Components whose records make up the journey of a packet.
    let serverName: String
    let nicName: String
    public let pointLimit: Int
    public private(set) var truncated = false

    public private(set) var txRing: [Point] = []
    public private(set) var txRingSize = 0
    public private(set) var interrupts: [SimTime] = []
    public private(set) var handlerRuns: [SimTime] = []
    /// Per switch port number: queue bytes after each change.
    public private(set) var switchQueues: [Int: [Point]] = [:]
    public private(set) var switchDrops: [Int: [SimTime]] = [:]
    /// Per receiver name, arrivals in time order.
    public private(set) var arrivals: [String: [Arrival]] = [:]
    /// The first records of the kinds a journey is made of.
    var pathRecords: [TraceRecord] = []
    let pathLimit = 200_000

    public init(serverName: String, pointLimit: Int = 200_000) {
        self.serverName = serverName
        self.nicName = serverName + ".nic"
        self.pointLimit = pointLimit
    }

    func add<T>(_ value: T, to array: inout [T]) {
        if array.count < pointLimit { array.append(value) } else { truncated = true }
    }

    public func record(_ r: TraceRecord) {
        switch r.event {
        case "tx-ring" where r.component == nicName && r.int("queue") == 0:
            txRingSize = Int(r.int("size") ?? 0)
            add(Point(time: r.time, value: r.int("occupancy") ?? 0), to: &txRing)
        case "interrupt" where r.component == nicName:
            add(r.time, to: &interrupts)
        case "interrupt-handler" where r.component == serverName:
            add(r.time, to: &handlerRuns)
        case "enqueue", "dequeue":
            if r.component.hasPrefix("switch."), let port = r.int("port") {
                add(Point(time: r.time, value: r.int("queue-bytes") ?? 0), to: &switchQueues[Int(port), default: []])
            }
        case "drop":
            if r.component.hasPrefix("switch."), let port = r.int("port") {
                add(r.time, to: &switchDrops[Int(port), default: []])
            }
        case "arrival":
            add(Arrival(time: r.time, bytes: Int(r.int("bytes") ?? 0), ipID: Int(r.int("ip-id") ?? -1)),
                to: &arrivals[r.component, default: []])
        default:
            break
        }
        switch r.event {
        case "syscall", "descriptor-write", "doorbell", "descriptor-fetch", "dma-read", "wire", "enqueue", "dequeue",
             "arrival":
            if pathRecords.count < pathLimit { pathRecords.append(r) }
        default:
            break
        }
    }

    /// One step of a packet's way.
    public struct Step: Sendable {
        /// The lane: `application`, `driver`, `NIC`, `switch`, `receiver`.
        public var lane: String
        public var time: SimTime
        public var what: String
    }

    /// The way of the first UDP frame the server's NIC put on the wire: the write call that carried it, its
    /// descriptor, the doorbell, the descriptor fetch, the DMA read of its payload, its first bit on the wire,
    /// the switch queue, and its arrival. Empty when no such frame went out.
    public func journey() -> [Step] {
        guard
            let wireIndex = pathRecords.firstIndex(where: {
                $0.event == "wire" && $0.component == nicName && $0.text("to") != nil
            }),
            let to = pathRecords[wireIndex].text("to")
        else { return [] }
        let wire = pathRecords[wireIndex]
        let ipID = wire.int("ip-id")
        let queue = wire.int("queue")
        let descriptor = wire.int("descriptor")
        var steps: [Step] = []
        func last(before index: Int, _ match: (TraceRecord) -> Bool) -> Int? {
            var i = index - 1
            while i >= 0 {
                if match(pathRecords[i]) { return i }
                i -= 1
            }
            return nil
        }
        let dma = last(before: wireIndex) {
            $0.event == "dma-read" && $0.int("queue") == queue && $0.int("descriptor") == descriptor
        }
        let fetch = last(before: dma ?? wireIndex) { r in
            guard r.event == "descriptor-fetch", r.int("queue") == queue, let first = r.int("first"),
                  let count = r.int("count"), let d = descriptor else { return false }
            let size = Int64(max(self.txRingSize, 1))
            return ((d - first) % size + size) % size < count
        }
        let doorbell = last(before: fetch ?? dma ?? wireIndex) {
            $0.event == "doorbell" && $0.component == self.nicName
        }
        let write = last(before: doorbell ?? fetch ?? wireIndex) {
            $0.event == "descriptor-write" && $0.int("index") == descriptor
        }
        let call = last(before: write ?? doorbell ?? wireIndex) {
            $0.event == "syscall" && $0.component == self.serverName
        }
        if let i = call {
            let r = pathRecords[i]
            steps.append(Step(lane: "application", time: r.time,
                              what: "\(r.text("call") ?? "write") call: \(r.int("messages") ?? 0) messages, "
                                  + "\(r.int("bytes") ?? 0) bytes"))
        }
        if let i = write {
            var r = pathRecords[i]
            var prefix = ""
            if r.int("context") == 1 {
                // A context descriptor opens the packet: name it, and describe the first data descriptor after it.
                let size = Int64(max(txRingSize, 1))
                let next = ((descriptor ?? 0) + 1) % size
                prefix = "context descriptor \(r.int("index") ?? 0) (MSS \(r.int("mss") ?? 0)), then "
                if let j = pathRecords[(i + 1)...].firstIndex(where: {
                    $0.event == "descriptor-write" && $0.int("index") == next
                }) {
                    r = pathRecords[j]
                }
            }
            steps.append(Step(lane: "driver", time: r.time,
                              what: prefix + "descriptor \(r.int("index") ?? 0) written: buffer "
                                  + "\(r.fields.first { $0.name == "buffer" }?.value.description ?? "?"), "
                                  + "\(r.int("length") ?? 0) bytes"))
        }
        if let i = doorbell {
            steps.append(
                Step(
                    lane: "driver", time: pathRecords[i].time,
                    what: "doorbell: tail = \(pathRecords[i].int("tail") ?? 0)"))
        }
        if let i = fetch {
            let r = pathRecords[i]
            steps.append(Step(lane: "NIC", time: r.time,
                              what: "descriptors \(r.int("first") ?? 0)…"
                                  + "\((r.int("first") ?? 0) + (r.int("count") ?? 1) - 1) fetched by DMA"))
        }
        if let i = dma {
            let r = pathRecords[i]
            steps.append(Step(lane: "NIC", time: r.time,
                              what: "payload read by DMA: \(r.int("bytes") ?? 0) bytes from "
                                  + "\(r.fields.first { $0.name == "address" }?.value.description ?? "?")"))
        }
        steps.append(
            Step(
                lane: "NIC", time: wire.time,
                what: "first bit on the wire: \(wire.int("bytes") ?? 0)-byte frame to \(to)"))
        var after = wireIndex + 1
        var arrivalStep: Step?
        while after < pathRecords.count {
            let r = pathRecords[after]
            after += 1
            guard r.int("ip-id") == ipID, r.text("to") == to else { continue }
            if r.event == "enqueue" && r.component.hasPrefix("switch.") {
                steps.append(
                    Step(
                        lane: "switch", time: r.time,
                        what: "queued at port \(r.int("port") ?? 0) (\(r.int("queue-bytes") ?? 0) bytes queued)"))
            } else if r.event == "dequeue" && r.component.hasPrefix("switch.") {
                steps.append(Step(lane: "switch", time: r.time, what: "last bit out of port \(r.int("port") ?? 0)"))
            } else if r.event == "arrival" {
                arrivalStep = Step(lane: "receiver", time: r.time, what: "arrived at \(r.component)")
                break
            }
        }
        if let arrivalStep { steps.append(arrivalStep) }
        return steps
    }
}
