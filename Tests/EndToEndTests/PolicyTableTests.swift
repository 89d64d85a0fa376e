import HostOS
import NICSimTesting
import Scenarios
import Testing
import WireFormats

/// A31 on one host: several policies active at once in the server's own table, on different flows, with
/// overlapping windows, one replaced by another under the same id; every count exact (issue 23, item 2).
@Suite("Several policies in one host's table (A31)")
struct PolicyTableTests {
    /// Ten writes, one per millisecond (0 … 9 ms), each one datagram of 1000 bytes to rx1 and one to rx2; rx3 and
    /// rx4 get only what the policies send them. All policies sit on the server's transmit path.
    static func spec(placement: PolicyPlacementSpec = .os) -> ScenarioSpec {
        var spec = ScenarioSpec.testScenario(entries: [1000, 1000], receivers: 4, writes: 10)
        spec.writes.interval = 1_000_000_000
        func policy(_ id: Int, flow: Int, redirect: Bool, to: Int, at: Int64, until: Int64?) -> PolicySpec {
            var p = PolicySpec(id: id, host: nil, direction: .transmit, placement: placement,
                               matchIP: spec.receivers[flow].ip, matchPort: 5000, matchSource: nil, redirect: redirect,
                               targets: [.remote(ip: spec.receivers[to].ip, port: 5000)])
            p.installAt = at
            p.removeAt = until
            return p
        }
        spec.policies = [
            // id 1: rx1's flow is also copied to rx4 from the start …
            policy(1, flow: 0, redirect: false, to: 3, at: 0, until: nil),
            // id 2: rx2's flow goes to rx4 instead, from 3.5 ms on: active together with id 1 from then.
            policy(2, flow: 1, redirect: true, to: 3, at: 3_500_000_000, until: nil),
            // … until 5.5 ms, when id 1 is replaced: rx1's flow goes to rx3 instead, and that ends at 8.5 ms.
            policy(1, flow: 0, redirect: true, to: 2, at: 5_500_000_000, until: 8_500_000_000),
        ]
        return spec
    }

    @Test("two flows, overlapping windows, a replacement by id: exact datagrams per receiver and per policy",
          arguments: [PolicyPlacementSpec.os, .nic])
    func table(_ placement: PolicyPlacementSpec) throws {
        let world = try World(spec: Self.spec(placement: placement))
        let report = world.report(outcome: world.run())
        #expect(report.refusedCalls == 0 && report.policyErrors.isEmpty, "\(report.policyErrors)")
        let datagrams = report.receivers.map(\.datagrams)
        // rx1: writes at 0 … 5 ms (replicated, original kept) and 9 ms (no policy left): 7.
        // rx2: writes at 0 … 3 ms, before id 2: 4.
        // rx3: writes at 6, 7 and 8 ms, redirected by the replacement: 3.
        // rx4: 6 copies of rx1's flow (0 … 5 ms) and 6 of rx2's (4 … 9 ms): 12.
        #expect(datagrams == [7, 4, 3, 12])
        // Both entries with id 1 report the counters of id 1: 6 replicated and 3 redirected messages. (The OS
        // counts its own policies; the report does not yet read the NIC's per-entry hit registers, datasheet §12.)
        if placement == .os {
            #expect(report.policies.map(\.matched) == [9, 6, 9])
            #expect(report.policies.map(\.remoteCopies) == [9, 6, 9])
        }
        // The server's table holds what is left at the end: id 2 only.
        #expect(world.server.host.policyIDs == [2])
    }
}
