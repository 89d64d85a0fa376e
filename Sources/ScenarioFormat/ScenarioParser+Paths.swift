#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scenario reads only files in its own folder.
///
/// Every key whose value names a file the run reads (a stream's `file`, a `vde-switch-kill` fault's `pid-file`, and
/// any such key added later, listed in ``ScenarioParser/pathKeys(of:root:)``) must name a relative path that stays
/// inside the folder of the scenario file: no absolute path, no `..` that climbs out, no symbolic link on the way that
/// leads out. Otherwise a scenario from someone else could put `/etc/passwd` on the wire (and, with a VDE port, on a
/// real network). The user lifts the rule for one run with `nicsim run --allow-outside-paths`
/// (``ScenarioLimits/allowsOutsidePaths``); a scenario cannot lift it for itself. The refusal names the key, its
/// line and column, and the flag.
extension ScenarioParser {
    /// Checks every path `spec` names against the folder of `root`'s file, unless `limits` allow outside paths.
    static func checkPaths(of spec: ScenarioSpec, root: ScenarioNode, limits: ScenarioLimits) throws(ScenarioError) {
        guard !limits.allowsOutsidePaths else { return }
        let folder = Self.folder(ofScenario: root.file)
        for node in pathKeys(of: spec, root: root) {
            guard let text = node.scalarTextOrNil else { continue }
            if let reason = Self.escape(of: text, from: folder) {
                throw node.error(
                    "\(ScenarioNode.quoted(text)) \(reason); a scenario reads only files inside its own folder "
                        + "(\(folder)) unless the user allows more (nicsim run --allow-outside-paths)")
            }
        }
    }

    /// The nodes of every key of `spec` that names a file to read.
    static func pathKeys(of spec: ScenarioSpec, root: ScenarioNode) -> [ScenarioNode] {
        var nodes: [ScenarioNode] = []
        for (k, stream) in (spec.streams?.list ?? []).enumerated() {
            if case .file = stream.source, let node = root.child("streams")?.child("list")?.item(k)?.child("file") {
                nodes.append(node)
            }
        }
        for (i, fault) in spec.faults.enumerated() where fault.kind == .vdeSwitchKill {
            if let node = root.child("faults")?.item(i)?.child("pid-file") { nodes.append(node) }
        }
        return nodes
    }

    /// The folder a scenario file's relative paths start from, with symbolic links resolved ("." for a file
    /// named without a folder).
    static func folder(ofScenario file: String) -> String {
        var folder = file
        if let slash = folder.lastIndex(of: "/") {
            folder = String(folder[..<slash])
            if folder.isEmpty { folder = "/" }
        } else {
            folder = "."
        }
        return realPath(folder) ?? folder
    }

    /// Why `text`, a path named in a scenario, leads out of `folder` (already resolved), or nil when it stays in.
    static func escape(of text: String, from folder: String) -> String? {
        if text.hasPrefix("/") { return "is an absolute path" }
        // Lexically: `..` may climb only as far as it descended.
        var depth = 0
        for part in text.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            depth += part == ".." ? -1 : 1
            if depth < 0 { return "climbs out of the scenario's folder with .." }
        }
        // Through the file system: the deepest part that exists, with every symbolic link resolved, must still be
        // inside the folder (a link inside the folder may point anywhere).
        var candidate = folder + "/" + text
        while true {
            if let resolved = realPath(candidate) {
                let inside = resolved == folder || resolved.hasPrefix(folder == "/" ? "/" : folder + "/")
                return inside ? nil : "leads out of the scenario's folder through a symbolic link (to \(resolved))"
            }
            guard let slash = candidate.lastIndex(of: "/"), slash > candidate.startIndex else { return nil }
            candidate = String(candidate[..<slash])
        }
    }

    /// `realpath(3)`: the absolute path with every symbolic link, `.` and `..` resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
