/// Where the keys are that the world builder may refuse, so that its errors (``WorldError``) name a line.
extension ScenarioParser {
    /// The places of the keys ``World`` refers to in its errors: the server's memory and rings, the writes, each
    /// receiver, the VDE URL, each stream and its file.
    static func locations(of spec: ScenarioSpec, root: ScenarioNode) -> ScenarioSpec.SourceLocations {
        var locations = ScenarioSpec.SourceLocations()
        locations.file = root.file
        func note(_ node: ScenarioNode?) {
            guard let node else { return }
            let place = node.error("")
            locations.record(node.path, line: place.line, column: place.column)
        }
        let server = root.child("server")
        note(server)
        note(server?.child("memory"))
        note(server?.child("nic")?.child("tx-ring"))
        note(server?.child("nic")?.child("rx-ring"))
        note(root.child("writes"))
        note(root.child("writes")?.child("entries"))
        note(root.child("network")?.child("vde")?.child("url"))
        note(root.child("receivers"))
        for i in spec.receivers.indices { note(root.child("receivers")?.item(i)) }
        note(root.child("streams"))
        for k in (spec.streams?.list ?? []).indices {
            let stream = root.child("streams")?.child("list")?.item(k)
            note(stream)
            note(stream?.child("file"))
        }
        return locations
    }
}
