import ScenarioFormat
import ScenarioWorld
import SimCore
import VDEPort

/// Series of a run as CSV, for spreadsheets and plotting tools: one row per datagram arrival, or one row per
/// fixed interval of virtual time.
public enum CSVReport {
    /// One row per datagram that reached a receiver, in time order:
    /// `time_ps,receiver,frame_bytes,ip_id,gap_ps` (`gap_ps` is the time since that receiver's previous datagram,
    /// empty for its first).
    public static func perPacket(_ report: Report, recorder: RunRecorder) -> String {
        var rows: [(Int64, Int, String)] = []
        for (k, r) in report.receivers.enumerated() {
            var previous: SimTime?
            for a in recorder.arrivals[r.name] ?? [] {
                let gap = previous.map { String(a.time.rawValue - $0.rawValue) } ?? ""
                rows.append((a.time.rawValue, k, "\(a.time.rawValue),\(field(r.name)),\(a.bytes),\(a.ipID),\(gap)\n"))
                previous = a.time
            }
        }
        rows.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        return "time_ps,receiver,frame_bytes,ip_id,gap_ps\n" + rows.map(\.2).joined()
    }

    /// One row per `interval` of virtual time from 0 to the end of the run: per receiver the datagrams and bytes
    /// that arrived in it; per switch port the largest queue occupancy in bytes; the server's largest transmit-ring
    /// occupancy; and the interrupts sent. With a real-time VDE port (`pacing`, from `RealTimePacer.series` kept
    /// at the same interval) six more columns: the frames paced in the interval, their lateness p50, p99, p99.9
    /// and max in nanoseconds, and the achieved rate in frames per second of wall time (empty in intervals
    /// without frames).
    public static func perInterval(_ report: Report, recorder: RunRecorder, interval: SimDuration,
                                   pacing: [PacingInterval]? = nil) -> String {
        let step = max(interval.rawValue, 1)
        let end = max(report.endTimePs, 1)
        let count = Int(min((end + step - 1) / step, 1_000_000))
        let ports = report.switchPorts.map(\.port)
        var header = ["interval_start_ps"]
        for r in report.receivers { header += ["\(r.name)_datagrams", "\(r.name)_bytes"] }
        for p in ports { header.append("port\(p)_max_queue_bytes") }
        header += ["tx_ring_max", "interrupts"]
        if pacing != nil {
            header += ["vde_frames", "vde_lateness_p50_ns", "vde_lateness_p99_ns", "vde_lateness_p999_ns",
                       "vde_lateness_max_ns", "vde_frames_per_s"]
        }
        var paced: [PacingInterval?] = Array(repeating: nil, count: pacing == nil ? 0 : count)
        for p in pacing ?? [] {
            let i = Int(p.start.rawValue / step)
            if i >= 0 && i < paced.count { paced[i] = p }
        }
        var datagrams = Array(repeating: Array(repeating: 0, count: count), count: report.receivers.count)
        var bytes = datagrams
        for (k, r) in report.receivers.enumerated() {
            for a in recorder.arrivals[r.name] ?? [] {
                let i = Int(a.time.rawValue / step)
                guard i < count else { continue }
                datagrams[k][i] += 1
                bytes[k][i] += a.bytes
            }
        }
        let queueMax = ports.map { maxima(recorder.switchQueues[$0] ?? [], step: step, count: count) }
        let ringMax = maxima(recorder.txRing, step: step, count: count)
        var interrupts = Array(repeating: 0, count: count)
        for t in recorder.interrupts where Int(t.rawValue / step) < count { interrupts[Int(t.rawValue / step)] += 1 }
        var out = header.map(field).joined(separator: ",") + "\n"
        for i in 0..<count {
            var row = [String(Int64(i) * step)]
            for k in report.receivers.indices { row += [String(datagrams[k][i]), String(bytes[k][i])] }
            for q in queueMax { row.append(String(q[i])) }
            row += [String(ringMax[i]), String(interrupts[i])]
            if i < paced.count {
                if let p = paced[i] {
                    row += [String(p.frames), String(p.p50LatenessNanoseconds), String(p.p99LatenessNanoseconds),
                            String(p.p999LatenessNanoseconds), String(p.maxLatenessNanoseconds),
                            Report.rate(p.framesPerSecond)]
                } else {
                    row += ["0", "", "", "", "", ""]
                }
            }
            out += row.joined(separator: ",") + "\n"
        }
        return out
    }

    /// The largest value of a step series in each interval (the value carried in from before counts).
    static func maxima(_ points: [RunRecorder.Point], step: Int64, count: Int) -> [Int64] {
        var result = Array(repeating: Int64(0), count: count)
        var current: Int64 = 0
        var p = 0
        for i in 0..<count {
            let end = Int64(i + 1) * step
            var peak = current
            while p < points.count && points[p].time.rawValue < end {
                current = points[p].value
                peak = max(peak, current)
                p += 1
            }
            result[i] = peak
        }
        return result
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
