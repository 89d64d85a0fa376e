// `import Scenarios` brings the three rooms of scenario handling in one import, as before they were split
// (ARCHITECTURE.md, "The modules"): the file format, the world it builds, and the reports of a run. Code inside
// nicsim imports the room it needs; library users may import this one.
@_exported import ScenarioFormat
@_exported import ScenarioReports
@_exported import ScenarioWorld
