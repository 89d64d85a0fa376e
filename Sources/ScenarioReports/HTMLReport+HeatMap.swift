import ScenarioFormat
import ScenarioWorld
import SimCore

/// Charts that stay readable with many ports or receivers: one row per port or receiver, worst first, time across,
/// colour for the value; and the link from each chart to the same window of the run's Perfetto trace.
extension HTMLReport {
    /// Up to this many ports or receivers share one line chart; more get a heat map, one row each.
    static let smallMultipleLimit = 4
    /// Time columns of a heat map.
    static let heatColumns = 180
    /// Light to dark: the colour of a cell at 1/6 … 6/6 of the chart's peak.
    static let heatScale = ["#fde0c5", "#facba6", "#f8b58b", "#f59e72", "#f2855d", "#c0392b"]

    /// One heat-map row: its label and the largest value in each time column (nil: nothing there).
    struct HeatRow {
        var label: String
        var columns: [Double?]
    }

    /// Rows on a shared time axis from 0 to `end` ps, coloured against `peak`; the labels sit left of the plot.
    static func heatMap(_ id: String, rows: [HeatRow], peak: Double, end: Int64, unit: String, caption: String)
        -> String
    {
        let labelWidth = 250.0
        let rowHeight = rows.count > 30 ? 14.0 : 18.0
        let top = 8.0
        let plotWidth = width - labelWidth - right
        let columnWidth = plotWidth / Double(heatColumns)
        var body = ""
        for (k, row) in rows.enumerated() {
            let y = top + Double(k) * rowHeight
            body += "<text x=\"\(r(labelWidth - 6))\" y=\"\(r(y + rowHeight - 4))\" text-anchor=\"end\" "
                + "style=\"font-size:10px\">\(escape(row.label))</text>"
            // Runs of equal colour are one rectangle.
            var c = 0
            while c < heatColumns {
                guard let v = row.columns[c], v > 0 else {
                    c += 1
                    continue
                }
                let shade = min(heatScale.count - 1, Int((v / max(peak, 1)) * Double(heatScale.count) - 1e-9))
                var stop = c + 1
                while stop < heatColumns, let w = row.columns[stop], w > 0,
                      min(heatScale.count - 1, Int((w / max(peak, 1)) * Double(heatScale.count) - 1e-9)) == shade {
                    stop += 1
                }
                body += "<rect class=\"m\" x=\"\(r(labelWidth + Double(c) * columnWidth))\" y=\"\(r(y + 1))\" "
                    + "width=\"\(r(Double(stop - c) * columnWidth))\" height=\"\(r(rowHeight - 2))\" "
                    + "fill=\"\(heatScale[max(shade, 0)])\"/>"
                c = stop
            }
        }
        let axisY = top + Double(rows.count) * rowHeight
        body +=
            "<line class=\"ax\" x1=\"\(labelWidth)\" x2=\"\(width - right)\" y1=\"\(r(axisY))\" y2=\"\(r(axisY))\"/>"
        let f = Frame(t0: 0, t1: Double(max(end, 1)), v1: 1, top: 0, height: 1)
        for (t, label) in timeTicks(0, Double(max(end, 1))) {
            let x = labelWidth + (f.x(t) - left) / (width - left - right) * plotWidth
            body += "<text x=\"\(r(x))\" y=\"\(r(axisY + 14))\" text-anchor=\"middle\">\(label)</text>"
        }
        // The colour key.
        let keyY = axisY + 24
        body += "<text x=\"\(r(labelWidth - 6))\" y=\"\(r(keyY + 11))\" text-anchor=\"end\">\(escape(unit))</text>"
        for (i, colour) in heatScale.enumerated() {
            let x = labelWidth + Double(i) * 92
            body += "<rect x=\"\(r(x))\" y=\"\(r(keyY))\" width=\"14\" height=\"14\" fill=\"\(colour)\"/>"
            let upper = peak * Double(i + 1) / Double(heatScale.count)
            body += "<text x=\"\(r(x + 18))\" y=\"\(r(keyY + 11))\">≤ \(trimmed(upper.rounded()))</text>"
        }
        return figure(id, height: keyY + 22, caption: caption, body)
    }

    /// The largest value of a step series in each time column (the value holds until the next point).
    static func stepColumns(_ points: [RunRecorder.Point], end: Int64) -> [Double?] {
        var columns = [Double?](repeating: nil, count: heatColumns)
        let span = Double(max(end, 1))
        func column(_ t: Int64) -> Int { min(heatColumns - 1, max(0, Int(Double(t) / span * Double(heatColumns)))) }
        for (i, p) in points.enumerated() {
            let until = i + 1 < points.count ? points[i + 1].time.rawValue : end
            let v = Double(p.value)
            guard v > 0 else { continue }
            for c in column(p.time.rawValue)...max(column(p.time.rawValue), column(until)) {
                columns[c] = max(columns[c] ?? 0, v)
            }
        }
        return columns
    }

    static func switchHeatMap(_ report: Report, _ rec: RunRecorder, ports: [Int], end: Int64) -> String {
        let peaks = Dictionary(uniqueKeysWithValues: ports.map { ($0, rec.switchQueues[$0]?.map(\.value).max() ?? 0) })
        let drops = Dictionary(uniqueKeysWithValues: ports.map { ($0, rec.switchDrops[$0]?.count ?? 0) })
        // Worst first: most drops, then the highest peak; port number breaks ties.
        let sorted = ports.sorted { a, b in
            (drops[a] ?? 0, peaks[a] ?? 0, -a) > (drops[b] ?? 0, peaks[b] ?? 0, -b)
        }
        let rows = sorted.map { port -> HeatRow in
            let peer = report.switchPorts.first { $0.port == port }?.peer ?? "port \(port)"
            let d = drops[port] ?? 0
            return HeatRow(label: "port \(port) → \(peer): peak \(peaks[port] ?? 0) B" + (d > 0 ? ", \(d) drops" : ""),
                           columns: stepColumns(rec.switchQueues[port] ?? [], end: end))
        }
        let peak = Double(peaks.values.max() ?? 1)
        return heatMap("chart-switch", rows: rows, peak: peak, end: end, unit: "bytes queued",
                       caption: "Bytes waiting in each of \(ports.count) switch output queues, one row per port, "
                           + "worst first (drops, then peak); each cell is the largest queue in its slice of time. "
                           + "A write that sends one destination's data back to back piles it up in that "
                           + "destination's port; interleaving keeps queues short.")
    }

    static func arrivalsHeatMap(_ report: Report, _ rec: RunRecorder, names: [String], end: Int64) -> String {
        var gap: [String: Int64] = [:]
        var columns: [String: [Double?]] = [:]
        let span = Double(max(end, 1))
        var peak = 1.0
        for name in names {
            let a = rec.arrivals[name] ?? []
            var largest: Int64 = 0
            for i in a.indices.dropFirst() { largest = max(largest, a[i].time.rawValue - a[i - 1].time.rawValue) }
            gap[name] = largest
            var c = [Double?](repeating: nil, count: heatColumns)
            for x in a {
                let k = min(heatColumns - 1, max(0, Int(Double(x.time.rawValue) / span * Double(heatColumns))))
                c[k] = (c[k] ?? 0) + 1
                peak = max(peak, c[k] ?? 0)
            }
            columns[name] = c
        }
        // Worst first: the largest gap between two datagrams, then the fewest datagrams; receiver order breaks ties.
        let order = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let sorted = names.sorted { a, b in
            let ga = gap[a] ?? 0, gb = gap[b] ?? 0
            if ga != gb { return ga > gb }
            let na = rec.arrivals[a]?.count ?? 0, nb = rec.arrivals[b]?.count ?? 0
            if na != nb { return na < nb }
            return (order[a] ?? 0) < (order[b] ?? 0)
        }
        let rows = sorted.map { name in
            HeatRow(label: "\(name): \(rec.arrivals[name]?.count ?? 0) datagrams, "
                        + "gap ≤ \(SimDuration(rawValue: gap[name] ?? 0))",
                    columns: columns[name] ?? [])
        }
        return heatMap("chart-arrivals", rows: rows, peak: peak, end: end, unit: "datagrams",
                       caption: "Datagrams reaching each of \(names.count) receivers per slice of time, "
                           + "one row per receiver, worst first (largest gap between two datagrams, then fewest "
                           + "datagrams). Long gaps are what a set-top box's buffer has to bridge.")
    }

    /// The link from a chart to the run's Perfetto trace.
    struct TimelineLink {
        var file: String?
        var command: String?

        /// A line under a chart: the window in nanoseconds, a link that opens the trace there in the Perfetto UI,
        /// and the tracks to look at.
        func html(_ window: Range<Int64>, tracks: String) -> String {
            let from = window.lowerBound / 1000, to = (window.upperBound + 999) / 1000
            guard let file else {
                return "<p class=\"tl\">Timeline: virtual time \(from)–\(to) ns; write one with "
                    + "<code>\(escape(command ?? "nicsim run FILE --perfetto run.pftrace"))</code> (see below).</p>\n"
            }
            let name = file.split(separator: "/").last.map(String.init) ?? file
            let url = "https://ui.perfetto.dev/#!/?url=http://127.0.0.1:9001/\(percentEncoded(name))"
                + "&visStart=\(from)&visEnd=\(to)"
            return "<p class=\"tl\">Timeline: <a href=\"\(escape(url))\">"
                + "open \(escape(name)) at \(from)–\(to) ns in Perfetto</a> (tracks: \(escape(tracks))).</p>\n"
        }

        /// How to open the trace without a network connection.
        func explanation() -> String {
            let name = file.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "run.pftrace"
            return """
                <h2>Opening the timeline</h2>
                <p>The Perfetto trace \
                (\(escape(file ?? "not written with this page: add --perfetto run.pftrace to the run"))) holds every \
                call, descriptor, DMA read, frame, queue and arrival of the run, with arrows that follow each \
                datagram. To open it offline, load the Perfetto UI once (ui.perfetto.dev; it keeps working without a \
                network afterwards, or run a copy built from github.com/google/perfetto), then drag \
                <code>\(escape(name))</code> onto it, or use <em>Open trace file</em>, and go to the window printed \
                under the chart. The links under the charts open the trace at that window when it is served from port \
                9001 of this machine with a CORS header that admits https://ui.perfetto.dev (Perfetto's \
                <code>tools/open_trace_in_ui</code> script serves a file that way). Times in the trace are virtual \
                nanoseconds from the start of the run; a window of a long run can be written alone with \
                <code>--perfetto-window FROM..TO</code>.</p>

                """
        }

        func percentEncoded(_ s: String) -> String {
            var out = ""
            for b in s.utf8 {
                if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
                    || b == 0x2E || b == 0x5F
                {
                    out.unicodeScalars.append(Unicode.Scalar(b))
                } else {
                    let hex = String(b, radix: 16, uppercase: true)
                    out += "%" + (hex.count < 2 ? "0" : "") + hex
                }
            }
            return out
        }
    }
}
