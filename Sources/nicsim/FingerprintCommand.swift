import ArgumentParser
import Foundation
import Scenarios

struct Fingerprint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print, check or update the trajectory fingerprints of scenarios.",
        discussion: """
            A fingerprint digests every event a run handles, so two runs with the same fingerprint did the same
            things at the same times. With no option it prints the fingerprint of each file. --check TABLE runs every
            scenario in the table and exits 1 naming each one whose fingerprint changed; --update TABLE rewrites the
            table for every shipped scenario (Fixtures/**/*.yaml but bad/ and real-network ones).
            """)

    @Argument(help: "Scenario files (YAML).")
    var scenarios: [String] = []

    @Option(help: "Check the fingerprints in this table.")
    var check: String?

    @Option(help: "Rewrite this table from the shipped scenarios.")
    var update: String?

    func run() throws {
        if let update {
            var entries: [Fingerprints.Entry] = []
            for path in Fingerprints.shippedScenarios(root: ".") + scenarios {
                do {
                    entries.append(try Fingerprints.measure(path: path))
                } catch {
                    throw Failure(message: error.description)
                }
            }
            do { try OutputFile.write(Fingerprints.table(entries), to: update) } catch {
                throw Failure(outputs: [error])
            }
            print("wrote \(entries.count) fingerprints to \(update)")
            return
        }
        if let check {
            guard let text = try? String(contentsOfFile: check, encoding: .utf8) else {
                throw Failure(message: "cannot read \(check)")
            }
            let entries: [Fingerprints.Entry]
            do { entries = try Fingerprints.parse(table: text, file: check) } catch {
                throw Failure(message: error.description)
            }
            var changed = 0
            for e in entries {
                let now: Fingerprints.Entry
                do { now = try Fingerprints.measure(path: e.path) } catch { throw Failure(message: error.description) }
                if now != e {
                    changed += 1
                    print("CHANGED \(e.path): \(e.fingerprint) (\(e.events) events) "
                          + "-> \(now.fingerprint) (\(now.events) events)")
                } else {
                    print("same    \(e.path)")
                }
            }
            if changed > 0 {
                let message = "nicsim: \(changed) fingerprint(s) changed; if intended, "
                    + "run nicsim fingerprint --update \(check)\n"
                FileHandle.standardError.write(Data(message.utf8))
                Foundation.exit(1)
            }
            return
        }
        guard !scenarios.isEmpty else {
            throw Failure(message: "fingerprint needs scenario files, --check TABLE or --update TABLE")
        }
        for path in scenarios {
            do {
                let e = try Fingerprints.measure(path: path)
                print("\(e.path)\t\(e.fingerprint)\t\(e.events)")
            } catch {
                throw Failure(message: error.description)
            }
        }
    }
}
