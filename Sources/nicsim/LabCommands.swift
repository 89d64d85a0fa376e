import ArgumentParser
import Foundation
import Labs

/// `nicsim labs`: every lab with its question, by claim group.
struct ListLabs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labs", abstract: "List the labs: guided experiments, each answering one question.")

    func run() throws {
        if let error = Lab.catalogError { throw error }
        print("Labs: run one with `nicsim lab NAME` (from the repository root).\n")
        let width = Lab.all.map(\.name.count).max() ?? 0
        for group in Lab.Group.allCases {
            let labs = Lab.all.filter { $0.group == group }
            guard !labs.isEmpty else { continue }
            print(group.rawValue)
            for lab in labs {
                let pad = String(repeating: " ", count: width - lab.name.count)
                let needs = lab.kind == .realLinux ? " (root, vde2)" : ""
                print("  \(lab.name)\(pad)  \(lab.question)\(needs)")
            }
            print("")
        }
    }
}

/// `nicsim lab NAME`: runs one lab and explains what to look at.
///
/// Exit status: 0 when every number the lab states was measured, 1 when one differs, 2 when the lab cannot run.
struct RunLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab", abstract: "Run one lab: its question, the command, what to look at, and the numbers.",
        discussion: "`nicsim labs` lists them. The real-network lab (vde-linux) needs root and vde2.")

    @Argument(help: "The lab's name (see `nicsim labs`).")
    var name: String

    @Option(help: "The folder with the lab scenarios (default: Fixtures/labs of the repository).")
    var fixtures: String?

    func run() async throws {
        let result: LabResult
        do {
            let lab = try LabRunner.lab(named: name)
            let runner = try LabRunner.locateFixtures(explicit: fixtures)
            result = try await runner.run(lab)
        } catch {
            throw Failure(message: error.message)
        }
        print(result.text(), terminator: "")
        if !result.allMatch { Foundation.exit(1) }
    }
}
