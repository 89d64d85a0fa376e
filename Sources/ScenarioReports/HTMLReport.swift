import ScenarioFormat
import ScenarioWorld
import SimCore

/// One self-contained HTML page for a run: the report's key figures, its expectations, and SVG charts drawn from
/// a ``RunRecorder`` — transmit-ring occupancy over the interrupt timeline, switch queues, arrivals and gaps per
/// destination, one packet's way from write call to receiver, and cycles by category.
///
/// The page loads nothing from elsewhere (no scripts, fonts or styles from outside): styles and the small script
/// that notes each chart's drawn size are inline, so the file can be mailed or archived as it is.
public enum HTMLReport {
    /// The page for `report` with charts from `recorder`. `timeline` names the Perfetto trace written with it
    /// (`--perfetto`), if any, and `command` the command line that makes one: each chart links to the same window of
    /// virtual time in the trace, and the page says how to open the trace offline.
    public static func page(_ report: Report, recorder: RunRecorder, timeline: String? = nil,
                            command: String? = nil) -> String {
        let link = TimelineLink(file: timeline, command: command)
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>nicsim: \(escape(report.scenario))</title>
            <style>
            body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#222;padding:0 12px}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ddd}
            table{border-collapse:collapse;margin:6px 0} \
            td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #eee}
            td:first-child,th:first-child{text-align:left} .fail{color:#b00020;font-weight:600} .pass{color:#16794a}
            figure{margin:8px 0 18px} figcaption{color:#555;font-size:13px;margin-top:4px}
            svg{background:#fcfcfc;border:1px solid #e4e4e4} svg text{font:11px system-ui,sans-serif;fill:#333}
            .tl{font-size:12px;margin:2px 0 0} .ax{stroke:#999;stroke-width:1} .grid{stroke:#eee;stroke-width:1} \
            pre{background:#f6f6f6;padding:10px;overflow:auto;font-size:12px}
            </style></head><body>
            <h1>\(escape(report.scenario))</h1>
            <p>seed \(report.seed) · virtual time \(SimDuration(rawValue: report.endTimePs)) · \
            \(report.events) events · ended: \(escape(report.outcome)) · \
            fingerprint <code>\(report.fingerprint)</code></p>

            """
        out += summary(report)
        if !report.expectations.isEmpty {
            out += "<h2>Expectations</h2>\n<table><tr><th>expectation</th><th>result</th><th>note</th></tr>\n"
            for e in report.expectations {
                out += "<tr><td>\(escape(e.name))</td><td class=\"\(e.passed ? "pass" : "fail")\">"
                    + "\(e.passed ? "pass" : "FAIL")</td><td>\(escape(e.message ?? ""))</td></tr>\n"
            }
            out += "</table>\n"
        }
        let whole = 0..<max(report.endTimePs, 1)
        out += "<h2>Transmit ring and interrupts</h2>\n" + ringChart(recorder, end: report.endTimePs)
            + link.html(whole, tracks: "server: queue 0 ring occupancy, interrupt line, interrupt handler")
        out += "<h2>Switch output queues</h2>\n" + switchChart(report, recorder, end: report.endTimePs)
            + link.html(whole, tracks: "switch: port N queued bytes; links: switch → link.NAME")
        out += "<h2>Arrivals per destination</h2>\n" + arrivalsChart(report, recorder, end: report.endTimePs)
            + link.html(whole, tracks: "each receiver's arrivals")
        let journey = recorder.journey()
        let journeyStart = journey.first?.time.rawValue ?? 0
        let journeyWindow = journeyStart..<max((journey.last?.time.rawValue ?? 0) + 1, journeyStart + 1)
        out += "<h2>One packet, from write call to receiver</h2>\n" + journeyChart(journey)
            + link.html(journeyWindow, tracks: "follow the flow arrows from the write call in server: calls")
        out += "<h2>Cycles by category</h2>\n" + cyclesChart(report)
        out += link.explanation()
        if recorder.truncated {
            out += "<p><em>Long run: each series shows its first \(recorder.pointLimit) points.</em></p>\n"
        }
        out += "<h2>Full report</h2>\n<details><summary>text report</summary>"
            + "<pre>\(escape(report.text()))</pre></details>\n"
        out += """
            <script>
            for (const f of document.querySelectorAll('figure[data-chart]')) {
              const s = f.querySelector('svg'); const b = s.getBoundingClientRect();
              // Labels that overlap another label, or stick out of the chart, make it unreadable: count them.
              const boxes = [...s.querySelectorAll('text')].map(t => \
            t.getBoundingClientRect()).filter(r => r.width > 0);
              let overlaps = 0, outside = 0;
              for (let i = 0; i < boxes.length; i++) {
                const a = boxes[i];
                if (a.left < b.left - 1 || a.right > b.right + 1 || \
            a.top < b.top - 1 || a.bottom > b.bottom + 1) outside++;
                for (let j = i + 1; j < boxes.length; j++) {
                  const c = boxes[j];
                  if (a.left < c.right - 1 && c.left < a.right - 1 && \
            a.top < c.bottom - 1 && c.top < a.bottom - 1) overlaps++;
                }
              }
              f.setAttribute('data-rendered', Math.round(b.width) + 'x' + Math.round(b.height) + \
            ' marks=' + s.querySelectorAll('.m').length
                + ' labels=' + boxes.length + ' overlaps=' + overlaps + ' outside=' + outside);
            }
            </script>
            </body></html>

            """
        return out
    }

    static func summary(_ r: Report) -> String {
        var rows: [(String, String)] = []
        if let h = r.hosts.first {
            rows += [
                ("write calls (completed)", "\(h.writes) (\(h.writesCompleted))"), ("system calls", "\(h.syscalls)"),
                ("descriptors written", "\(h.descriptorsWritten)"), ("frames transmitted", "\(h.framesTransmitted)"),
                ("interrupts", "\(h.interrupts)"), ("CPU cycles", "\(h.cyclesTotal)"),
                ("CPU-copied bytes", "\(h.cpuCopiedBytes)"),
                ("mean write completion", SimDuration(rawValue: h.meanWriteCompletionPs).description),
            ]
        }
        rows.append(("switch peak (bytes)", "\(r.switchPorts.map(\.peakOccupancyBytes).max() ?? 0)"))
        rows.append(("switch drops", "\(r.switchPorts.reduce(0) { $0 + $1.drops })"))
        rows.append(("datagrams received", "\(r.receivers.reduce(0) { $0 + $1.datagrams })"))
        var out = "<table>\n"
        for (k, v) in rows { out += "<tr><td>\(escape(k))</td><td>\(escape(v))</td></tr>\n" }
        return out + "</table>\n"
    }

    // MARK: - Charts

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
    static let width = 940.0
    static let left = 78.0
    static let right = 16.0

    /// Maps picoseconds and values to the plot area.
    struct Frame {
        var t0: Double, t1: Double, v1: Double
        var top: Double, height: Double
        func x(_ t: Double) -> Double {
            HTMLReport.left + (t - t0) / max(t1 - t0, 1) * (HTMLReport.width - HTMLReport.left - HTMLReport.right)
        }
        func y(_ v: Double) -> Double { top + height - v / max(v1, 1) * height }
    }

    static func figure(_ id: String, height: Double, caption: String, _ body: String) -> String {
        "<figure data-chart=\"\(id)\" id=\"\(id)\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">\(body)</svg>"
            + "<figcaption>\(caption)</figcaption></figure>\n"
    }

    static func empty(_ id: String, _ message: String) -> String {
        figure(id, height: 40, caption: escape(message), "<text x=\"12\" y=\"24\">\(escape(message))</text>")
    }

    /// Tick positions and labels for a time axis from `t0` to `t1` picoseconds.
    static func timeTicks(_ t0: Double, _ t1: Double) -> [(Double, String)] {
        let span = max(t1 - t0, 1)
        var step = pow10(Int(log10(span / 6)))
        for m in [1.0, 2, 5, 10] where span / (step * m) <= 7 {
            step *= m
            break
        }
        let units: [(Double, String)] = [(1e12, "s"), (1e9, "ms"), (1e6, "µs"), (1e3, "ns"), (1, "ps")]
        let unit = units.first { step >= $0.0 } ?? (1, "ps")
        var ticks: [(Double, String)] = []
        var t = (t0 / step).rounded(.up) * step
        while t <= t1 + 1e-9 && ticks.count < 20 {
            ticks.append((t, trimmed(t / unit.0) + " " + unit.1))
            t += step
        }
        return ticks
    }

    static func valueTicks(_ v1: Double) -> [Double] {
        guard v1 > 0 else { return [0] }
        var step = pow10(Int(log10(v1 / 4)))
        for m in [1.0, 2, 5, 10] where v1 / (step * m) <= 5 {
            step *= m
            break
        }
        return stride(from: 0, through: v1, by: step).map { $0 }
    }

    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
        return r
    }

    static func log10(_ x: Double) -> Double {
        // Floor of the decimal exponent, enough for tick steps.
        var e = 0.0
        var v = x
        if v <= 0 { return 0 }
        while v >= 10 { v /= 10; e += 1 }
        while v < 1 { v *= 10; e -= 1 }
        return e
    }

    static func trimmed(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int64(r)) : String(r)
    }

    static func axes(_ f: Frame, valueLabel: String, showTime: Bool = true,
                     format: (Double) -> String = { trimmed($0) }) -> String {
        var s = ""
        for v in valueTicks(f.v1) {
            let y = f.y(v)
            s += "<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(r(y))\" y2=\"\(r(y))\"/>"
            // The zero label sits a little high, clear of the first time label under the corner.
            s += "<text x=\"\(left - 6)\" y=\"\(r(v == 0 ? y - 2 : y + 4))\" text-anchor=\"end\">\(format(v))</text>"
        }
        s += "<line class=\"ax\" x1=\"\(left)\" x2=\"\(left)\" y1=\"\(f.top)\" y2=\"\(f.top + f.height)\"/>"
        s += "<line class=\"ax\" x1=\"\(left)\" x2=\"\(width - right)\" "
            + "y1=\"\(f.top + f.height)\" y2=\"\(f.top + f.height)\"/>"
        // The value's name inside the plot's top left corner, clear of the tick labels left of the axis.
        s += "<text x=\"\(left + 6)\" y=\"\(r(f.top + 10))\">\(escape(valueLabel))</text>"
        if showTime {
            for (t, label) in timeTicks(f.t0, f.t1) {
                s += "<text x=\"\(r(f.x(t)))\" y=\"\(r(f.top + f.height + 14))\" text-anchor=\"middle\">\(label)</text>"
            }
        }
        return s
    }

    static func r(_ v: Double) -> String { trimmed((v * 10).rounded() / 10) }

    /// A step line through `points`, reduced to the largest value per pixel column when there are many.
    static func stepPath(_ points: [RunRecorder.Point], _ f: Frame, colour: String, end: Double) -> String {
        guard let first = points.first else { return "" }
        var d = "M\(r(f.x(first.time.doubleValue))) \(r(f.y(Double(first.value))))"
        let columns = Int(width)
        if points.count > columns * 2 {
            var peak = Array(repeating: -1.0, count: columns + 1)
            for p in points {
                let c = min(max(Int(f.x(p.time.doubleValue)), 0), columns)
                peak[c] = max(peak[c], Double(p.value))
            }
            var lastY = f.y(Double(first.value))
            for (c, v) in peak.enumerated() where v >= 0 {
                let y = f.y(v)
                d += " H\(c) V\(r(y))"
                lastY = y
            }
            _ = lastY
        } else {
            for p in points.dropFirst() {
                d += " H\(r(f.x(p.time.doubleValue))) V\(r(f.y(Double(p.value))))"
            }
        }
        d += " H\(r(f.x(end)))"
        return "<path class=\"m\" d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>"
    }

    static func ringChart(_ rec: RunRecorder, end: Int64) -> String {
        guard !rec.txRing.isEmpty else { return empty("chart-tx-ring", "The server's NIC transmitted nothing.") }
        let t1 = Double(max(end, rec.txRing.last?.time.rawValue ?? 1, 1))
        let ringTop = 14.0, ringHeight = 170.0, laneTop = 222.0
        let peak = Double(rec.txRing.map(\.value).max() ?? 0)
        let f = Frame(t0: 0, t1: t1, v1: max(peak, 1), top: ringTop, height: ringHeight)
        var body = axes(f, valueLabel: "descriptors")
        body += stepPath(rec.txRing, f, colour: palette[0], end: t1)
        // The interrupt timeline under the ring, on the same time axis.
        body += "<text x=\"6\" y=\"\(laneTop + 12)\">interrupts</text>"
        body += "<text x=\"6\" y=\"\(laneTop + 40)\">handler</text>"
        body +=
            "<line class=\"ax\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(laneTop + 22)\" y2=\"\(laneTop + 22)\"/>"
        body += ticks(rec.interrupts, f, y0: laneTop, y1: laneTop + 20, colour: palette[1])
        body += ticks(rec.handlerRuns, f, y0: laneTop + 28, y1: laneTop + 46, colour: palette[2])
        for (t, label) in timeTicks(f.t0, f.t1) {
            body += "<text x=\"\(r(f.x(t)))\" y=\"\(laneTop + 62)\" text-anchor=\"middle\">\(label)</text>"
        }
        let caption =
            "Descriptors the NIC owns on transmit queue 0 (tail − head, ring of \(rec.txRingSize)); peak \(Int(peak)). "
            + "Below: \(rec.interrupts.count) interrupt messages (red) and "
            + "\(rec.handlerRuns.count) handler runs (green). "
            + "Each fall of the ring line is a write-back; interrupts come when moderation lets them."
        return figure("chart-tx-ring", height: laneTop + 70, caption: escape(caption), body)
    }

    static func ticks(_ times: [SimTime], _ f: Frame, y0: Double, y1: Double, colour: String) -> String {
        guard !times.isEmpty else { return "" }
        // One tick per pixel column at most.
        var seen = Set<Int>()
        var d = ""
        for t in times {
            let x = f.x(t.doubleValue)
            guard seen.insert(Int(x)).inserted else { continue }
            d += "M\(r(x)) \(y0)V\(y1)"
        }
        return "<path class=\"m\" d=\"\(d)\" stroke=\"\(colour)\" stroke-width=\"1\"/>"
    }

    static func switchChart(_ report: Report, _ rec: RunRecorder, end: Int64) -> String {
        let ports = rec.switchQueues.keys.sorted().filter { (rec.switchQueues[$0]?.map(\.value).max() ?? 0) > 0 }
        guard !ports.isEmpty else { return empty("chart-switch", "No frame waited in a switch queue.") }
        if ports.count > smallMultipleLimit { return switchHeatMap(report, rec, ports: ports, end: end) }
        let peak = Double(ports.compactMap { rec.switchQueues[$0]?.map(\.value).max() }.max() ?? 1)
        let t1 = Double(max(end, 1))
        let f = Frame(t0: 0, t1: t1, v1: peak, top: 14, height: 200)
        var body = axes(f, valueLabel: "bytes")
        var legend = ""
        for (k, port) in ports.enumerated() {
            let colour = palette[k % palette.count]
            body += stepPath(rec.switchQueues[port] ?? [], f, colour: colour, end: t1)
            let peer = report.switchPorts.first { $0.port == port }?.peer ?? "port \(port)"
            let portPeak = rec.switchQueues[port]?.map(\.value).max() ?? 0
            let drops = rec.switchDrops[port]?.count ?? 0
            legend += "<span style=\"color:\(colour)\">■</span> port \(port) → \(escape(peer)): peak \(portPeak) B"
                + (drops > 0 ? ", \(drops) drops" : "") + " &nbsp; "
            if let d = rec.switchDrops[port], !d.isEmpty {
                body += ticks(d, f, y0: 14, y1: 24, colour: "#b00020")
            }
        }
        return figure("chart-switch", height: 236, caption: legend
            + "<br>Bytes waiting in each output queue. A write that sends one destination's data back to back "
            + "piles it up in that destination's port; interleaving keeps queues short.", body)
    }

    static func arrivalsChart(_ report: Report, _ rec: RunRecorder, end: Int64) -> String {
        let names = report.receivers.map(\.name).filter { !(rec.arrivals[$0]?.isEmpty ?? true) }
        guard !names.isEmpty else { return empty("chart-arrivals", "No datagram reached a receiver.") }
        if names.count > smallMultipleLimit { return arrivalsHeatMap(report, rec, names: names, end: end) }
        let t1 = Double(max(end, 1))
        let rowHeight = 22.0
        let rasterTop = 10.0
        let f = Frame(t0: 0, t1: t1, v1: 1, top: 0, height: 1)
        var body = ""
        var captionRows = ""
        var maxGap = 1.0
        var gaps: [String: [(Double, Double)]] = [:]
        for name in names {
            let a = rec.arrivals[name] ?? []
            var g: [(Double, Double)] = []
            for i in a.indices.dropFirst() {
                g.append((a[i].time.doubleValue, Double(a[i].time.rawValue - a[i - 1].time.rawValue)))
            }
            maxGap = max(maxGap, g.map(\.1).max() ?? 0)
            gaps[name] = g
        }
        for (k, name) in names.enumerated() {
            let y = rasterTop + Double(k) * rowHeight
            let colour = palette[k % palette.count]
            body += "<text x=\"6\" y=\"\(r(y + 14))\">\(escape(name))</text>"
            body += ticks((rec.arrivals[name] ?? []).map(\.time), f, y0: y + 2, y1: y + rowHeight - 4, colour: colour)
            let a = rec.arrivals[name] ?? []
            let largest = gaps[name]?.map(\.1).max() ?? 0
            captionRows += "<span style=\"color:\(colour)\">■</span> \(escape(name)): \(a.count) datagrams, "
                + "largest gap \(SimDuration(rawValue: Int64(largest))) &nbsp; "
        }
        let gapTop = rasterTop + Double(names.count) * rowHeight + 18
        let gf = Frame(t0: 0, t1: t1, v1: maxGap, top: gapTop, height: 150)
        body += axes(gf, valueLabel: "gap") { SimDuration(rawValue: Int64($0)).description }
        for (k, name) in names.enumerated() {
            let colour = palette[k % palette.count]
            var seen = Set<Int>()
            var d = ""
            for (t, gap) in gaps[name] ?? [] {
                let x = gf.x(t), y = gf.y(gap)
                guard seen.insert(Int(x) * 4096 + Int(y)).inserted else { continue }
                d += "M\(r(x)) \(r(y))h1.5"
            }
            if !d.isEmpty { body += "<path class=\"m\" d=\"\(d)\" stroke=\"\(colour)\" stroke-width=\"2.5\"/>" }
        }
        return figure("chart-arrivals", height: gapTop + 150 + 22, caption: captionRows
            + "<br>Top: each tick is a datagram reaching its receiver. Bottom: the gap before each datagram; "
            + "long gaps are what a set-top box's buffer has to bridge.", body)
    }

    static func journeyChart(_ steps: [RunRecorder.Step]) -> String {
        guard let first = steps.first else { return empty("chart-journey", "No UDP frame went out of the server.") }
        let lanes = ["application", "driver", "NIC", "switch", "receiver"]
        let laneWidth = (width - 40) / Double(lanes.count)
        func laneX(_ lane: String) -> Double { 20 + (Double(lanes.firstIndex(of: lane) ?? 0) + 0.5) * laneWidth }
        let top = 34.0, rowHeight = 34.0
        let height = top + Double(steps.count) * rowHeight + 16
        var body = ""
        for lane in lanes {
            let x = laneX(lane)
            body += "<text x=\"\(r(x))\" y=\"18\" text-anchor=\"middle\" font-weight=\"600\">\(lane)</text>"
            body += "<line class=\"grid\" x1=\"\(r(x))\" x2=\"\(r(x))\" y1=\"24\" y2=\"\(r(height - 8))\"/>"
        }
        var previous: (Double, Double)?
        for (i, step) in steps.enumerated() {
            let x = laneX(step.lane), y = top + Double(i) * rowHeight + 10
            if let (px, py) = previous {
                body += "<path class=\"m\" d=\"M\(r(px)) \(r(py)) L\(r(x)) \(r(y))\" "
                    + "stroke=\"#888\" stroke-width=\"1.2\" fill=\"none\"/>"
            }
            body += "<circle class=\"m\" cx=\"\(r(x))\" cy=\"\(r(y))\" r=\"5\" "
                + "fill=\"\(palette[(lanes.firstIndex(of: step.lane) ?? 0) % palette.count])\"/>"
            let elapsed = SimDuration(rawValue: step.time.rawValue - first.time.rawValue)
            let anchor = x > width / 2 ? "end" : "start"
            let dx = x > width / 2 ? -10.0 : 10.0
            body += "<text x=\"\(r(x + dx))\" y=\"\(r(y + 4))\" text-anchor=\"\(anchor)\">"
                + "+\(elapsed): \(escape(step.what))</text>"
            previous = (x, y)
        }
        let total = SimDuration(rawValue: (steps.last?.time.rawValue ?? 0) - first.time.rawValue)
        return figure("chart-journey", height: height,
                      caption: "The first UDP frame the server sent, from its write call to its receiver: "
                          + "\(total) in all. Times are after the call.", body)
    }

    static func cyclesChart(_ report: Report) -> String {
        guard let h = report.hosts.first, h.cyclesTotal > 0 else {
            return empty("chart-cycles", "The server spent no cycles.")
        }
        let rows = h.cycles.filter { $0.value > 0 }.sorted {
            $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key)
        }
        let rowHeight = 22.0
        let labelWidth = 170.0
        let barMax = width - labelWidth - 150
        let peak = Double(rows.first?.value ?? 1)
        var body = ""
        for (i, row) in rows.enumerated() {
            let y = 10 + Double(i) * rowHeight
            let w = max(1, Double(row.value) / peak * barMax)
            let share = Double(row.value) / Double(h.cyclesTotal) * 100
            body += "<text x=\"\(labelWidth - 8)\" y=\"\(r(y + 14))\" text-anchor=\"end\">\(escape(row.key))</text>"
            body += "<rect class=\"m\" x=\"\(labelWidth)\" y=\"\(r(y + 3))\" width=\"\(r(w))\" height=\"15\" "
                + "fill=\"\(palette[0])\"/>"
            body += "<text x=\"\(r(labelWidth + w + 6))\" y=\"\(r(y + 14))\">"
                + "\(row.value) (\(trimmed((share * 10).rounded() / 10)) %)</text>"
        }
        return figure("chart-cycles", height: 20 + Double(rows.count) * rowHeight,
                      caption: "Where the server's \(h.cyclesTotal) CPU cycles went, by cost-model category.", body)
    }

    /// Escapes text for HTML content and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

extension SimTime {
    var doubleValue: Double { Double(rawValue) }
}
