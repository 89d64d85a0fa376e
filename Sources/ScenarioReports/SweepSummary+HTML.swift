import ScenarioFormat
import ScenarioWorld
import SimCore

extension SweepSummary {
    /// One self-contained HTML page: the summary table, the runs that did not end, and an SVG chart per figure
    /// with the first swept key along the horizontal axis and one line per combination of the other keys (mean
    /// over seeds as a dot, smallest to largest value as a bar).
    public func html() -> String {
        let e = HTMLReport.escape
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>nicsim sweep: \(e(sweep.scenario))</title>
            <style>
            body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#222;padding:0 12px}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ddd}
            table{border-collapse:collapse;margin:6px 0;font-size:13px} \
            td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #eee}
            td:first-child,th:first-child{text-align:left} .fail{color:#b00020}
            figure{margin:8px 0 18px} figcaption{color:#555;font-size:13px;margin-top:4px}
            svg{background:#fcfcfc;border:1px solid #e4e4e4} svg text{font:11px system-ui,sans-serif;fill:#333}
            .ax{stroke:#999;stroke-width:1} .grid{stroke:#eee;stroke-width:1} \
            .key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
            </style></head><body>
            <h1>Sweep: \(e(sweep.scenario))</h1>

            """
        let keys = sweep.dimensions.map { "\($0.key) = \($0.values.joined(separator: ", "))" }.joined(separator: " × ")
        out += "<p>\(e(keys)) × \(sweep.seeds) seed\(sweep.seeds == 1 ? "" : "s") · \(labels.count) variants · "
        out += "\(ended.reduce(0, +)) runs ended · \(failed.reduce(0, +)) failed"
        if let shard = sweep.shard { out += " · shard \(shard)" }
        out += "</p>\n<h2>Summary</h2>\n<table><tr><th></th>" + labels.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n"
        for (name, row) in zip(names, cells) {
            out += "<tr><td>\(e(name))</td>" + row.map { "<td>\(e($0?.text ?? "-"))</td>" }.joined() + "</tr>\n"
        }
        out +=
            "<tr><td>runs failed</td>" + failed.map { "<td\($0 > 0 ? " class=\"fail\"" : "")>\($0)</td>" }.joined()
            + "</tr>\n"
        out += "</table>\n"
        if !failures.isEmpty {
            out += "<h2>Runs that did not end</h2>\n"
                + "<table><tr><th>run</th><th>variant</th><th>seed</th><th>status</th><th>error</th></tr>\n"
            for f in failures {
                out += "<tr><td>\(f.run)</td><td>\(e(label(f)))</td><td>\(f.seed)</td>"
                    + "<td class=\"fail\">\(f.status.rawValue)</td>"
                    + "<td style=\"text-align:left\">\(e(f.error ?? ""))</td></tr>\n"
            }
            out += "</table>\n"
        }
        out += "<h2>Figures against the swept keys</h2>\n"
        for i in names.indices where cells[i].contains(where: { $0 != nil }) { out += chart(i) }
        return out + "</body></html>\n"
    }

    /// The chart of figure `i`.
    func chart(_ i: Int) -> String {
        let e = HTMLReport.escape
        let trimmed = HTMLReport.trimmed
        let r = HTMLReport.r
        let first = sweep.dimensions.first
        let xValues = first?.values ?? [""]
        let perX = max(xValues.count, 1)
        let seriesCount = max(labels.count / perX, 1)
        let present = cells[i].compactMap { $0 }
        let isDuration = present.first.map { if case .duration = $0.sample { true } else { false } } ?? false
        let top = Double(present.map(\.max).max() ?? 0)
        let width = HTMLReport.width
        let left = HTMLReport.left
        let plotTop = 14.0
        let plotHeight = 180.0
        let span = width - left - HTMLReport.right
        func x(_ k: Int) -> Double { left + (Double(k) + 0.5) / Double(perX) * span }
        func y(_ v: Double) -> Double { plotTop + plotHeight - v / max(top, 1) * plotHeight }
        func format(_ v: Double) -> String { isDuration ? "\(SweepSummary.duration(v))" : trimmed(v) }
        var body = ""
        for v in HTMLReport.valueTicks(top) {
            body += "<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - HTMLReport.right)\" "
                + "y1=\"\(r(y(v)))\" y2=\"\(r(y(v)))\"/>"
            body += "<text x=\"\(left - 6)\" y=\"\(r(y(v) + 4))\" text-anchor=\"end\">\(e(format(v)))</text>"
        }
        body += "<line class=\"ax\" x1=\"\(left)\" x2=\"\(left)\" y1=\"\(plotTop)\" y2=\"\(plotTop + plotHeight)\"/>"
        body += "<line class=\"ax\" x1=\"\(left)\" x2=\"\(width - HTMLReport.right)\" "
            + "y1=\"\(plotTop + plotHeight)\" y2=\"\(plotTop + plotHeight)\"/>"
        for (k, value) in xValues.enumerated() {
            body +=
                "<text x=\"\(r(x(k)))\" y=\"\(r(plotTop + plotHeight + 16))\" text-anchor=\"middle\">\(e(value))</text>"
        }
        var legend: [String] = []
        for s in 0..<seriesCount {
            let colour = HTMLReport.palette[s % HTMLReport.palette.count]
            // Variant v = k · seriesCount + s: the first key varies slowest.
            var points: [(Double, Double)] = []
            for k in 0..<perX {
                let v = k * seriesCount + s
                guard v < labels.count, let c = cells[i][v] else { continue }
                let px =
                    x(k) + (Double(s) - Double(seriesCount - 1) / 2) * min(6, span / Double(perX * seriesCount + 1))
                points.append((px, y(c.mean)))
                body += "<line class=\"m\" x1=\"\(r(px))\" x2=\"\(r(px))\" y1=\"\(r(y(Double(c.min))))\" "
                    + "y2=\"\(r(y(Double(c.max))))\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
                body += "<circle class=\"m\" cx=\"\(r(px))\" cy=\"\(r(y(c.mean)))\" r=\"3.5\" fill=\"\(colour)\">"
                    + "<title>\(e(labels[v])): \(e(c.text))</title></circle>"
            }
            if points.count > 1 {
                body +=
                    "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\""
                    + points.map { "\(r($0.0)),\(r($0.1))" }.joined(separator: " ") + "\"/>"
            }
            let rest = values.indices.contains(s) ? values[s].dropFirst().joined(separator: " ") : ""
            if seriesCount > 1 { legend.append("<span class=\"key\" style=\"background:\(colour)\"></span>\(e(rest))") }
        }
        let name = SweepResult.column(names[i], present.first?.sample.unit)
        var caption = "\(e(name)) against \(e(first?.key ?? "the variant"))"
        if sweep.dimensions.count > 1 {
            caption += ", one line per \(e(sweep.dimensions.dropFirst().map(\.key).joined(separator: " / "))):"
            caption += legend.joined()
        }
        caption += sweep.seeds > 1 ? ". Dot: mean over \(sweep.seeds) seeds; bar: smallest to largest." : "."
        let id = "chart-\(i)"
        return "<figure data-chart=\"\(id)\" id=\"\(id)\">"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" "
            + "height=\"\(Int(plotTop + plotHeight + 26))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(plotTop + plotHeight + 26))\" "
            + "role=\"img\">\(body)</svg><figcaption>\(caption)</figcaption></figure>\n"
    }
}
