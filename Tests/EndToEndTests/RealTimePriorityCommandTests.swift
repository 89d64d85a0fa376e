import CommandTestSupport
import Foundation
import Testing

/// `--real-time-priority` when the user may not have it: the run goes on at normal priority and says why, on
/// standard error and in the report. The test drops root with setpriv to be such a user.
@Suite("Real-time priority refused")
struct RealTimePriorityCommandTests {
    static let scenario = """
        duration: 3ms
        server: { ip: 192.0.2.100 }
        network:
          vde: { url: "null://", arp: false, poll: 1ms }
        receivers:
          - { name: far, kind: external, ip: 192.0.2.77, mac: "02:00:00:00:00:77", port: 5000 }
        writes: { count: 10, interval: 200us, entries: [{ to: far, size: 100 }] }

        """

    @Test func aUserWithoutThePrivilegeIsToldWhyAndTheRunGoesOn() throws {
        let setpriv = "/usr/bin/setpriv"
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv) else {
            // Outside CI this check is optional; in CI its absence is a failure.
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("the refusal test needs root and \(setpriv) (util-linux)")
            }
            return
        }
        let nicsim = try nicsimExecutable()
        let file = temporaryFile("rt-priority.yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(Self.scenario.utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let r = try runProcess(URL(fileURLWithPath: setpriv), [
            "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
            nicsim.path, "run", file.path, "--real-time-priority", "--format", "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("nicsim: real-time priority refused, pacing at normal priority: SCHED_FIFO"),
                "\(r.stderr)")
        #expect(r.stderr.contains("CAP_SYS_NICE"), "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let vde = try #require(object?["vde"] as? [String: Any], "\(r.stdout)")
        #expect((vde["realTimePriority"] as? String)?.hasPrefix("refused: SCHED_FIFO") == true)
        #expect(vde["pacedFrames"] as? Int == 10)
        #expect(vde["framesSent"] as? Int == 10)
    }
}
