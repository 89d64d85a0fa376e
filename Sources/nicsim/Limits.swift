import ArgumentParser
import Scenarios

/// Help for `--limit`, shared by `run` and `compare`.
let limitHelp = ArgumentHelp(
    "Set a limit on what the scenario may ask for: NAME=VALUE, NAME one of "
        + ScenarioLimits.names.joined(separator: ", ") + " (see Fixtures/scenarios/README.md).",
    valueName: "name=value")

/// The default limits with every `--limit NAME=VALUE` applied in order.
func scenarioLimits(_ assignments: [String]) throws(ScenarioError) -> ScenarioLimits {
    var limits = ScenarioLimits()
    for assignment in assignments { try limits.set(assignment) }
    return limits
}
