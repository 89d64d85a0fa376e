import ArgumentParser
import Scenarios

/// Help for `--limit`, shared by `run` and `compare`.
let limitHelp = ArgumentHelp(
    "Set a limit on what the scenario may ask for: NAME=VALUE, NAME one of "
        + ScenarioLimits.names.joined(separator: ", ") + " (see Fixtures/scenarios/README.md).",
    valueName: "name=value")

/// Help for `--allow-vde-command`, shared by `run` and `compare`.
let allowVDECommandHelp = ArgumentHelp(
    "Let the scenario's network.vde.url use libvdeplug's cmd:// transport, which starts a program named in the "
        + "scenario. Off by default, so a scenario from someone else cannot run programs.")

/// Help for `--allow-outside-paths`, shared by `run` and `compare`.
let allowOutsidePathsHelp = ArgumentHelp(
    "Let the paths the scenario names (stream files, a kill fault's pid file) lead outside the scenario's folder: "
        + "absolute paths, .. that climbs out, symbolic links that lead out. Off by default, so a scenario from "
        + "someone else reads only its own files.")

/// The options that bound what a scenario may ask for, shared by `run` and `compare`: `--limit`,
/// `--allow-vde-command` and `--allow-outside-paths`.
struct ScenarioLimitOptions: ParsableArguments {
    @Option(name: .customLong("limit"), help: limitHelp)
    var limits: [String] = []

    @Flag(name: .customLong("allow-vde-command"), help: allowVDECommandHelp)
    var allowVDECommand = false

    @Flag(name: .customLong("allow-outside-paths"), help: allowOutsidePathsHelp)
    var allowOutsidePaths = false

    /// The default limits with the options applied.
    func scenarioLimits() throws(ScenarioError) -> ScenarioLimits {
        try nicsim.scenarioLimits(limits, allowVDECommand: allowVDECommand, allowOutsidePaths: allowOutsidePaths)
    }
}

/// The default limits with every `--limit NAME=VALUE` applied in order, `cmd://` VDE URLs allowed or not, and paths
/// outside the scenario's folder allowed or not.
func scenarioLimits(_ assignments: [String], allowVDECommand: Bool = false, allowOutsidePaths: Bool = false)
    throws(ScenarioError) -> ScenarioLimits
{
    var limits = ScenarioLimits()
    for assignment in assignments { try limits.set(assignment) }
    limits.allowsVDECommands = allowVDECommand
    limits.allowsOutsidePaths = allowOutsidePaths
    return limits
}
