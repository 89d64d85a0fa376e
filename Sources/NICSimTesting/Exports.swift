// A test suite that imports NICSimTesting also sees the types its API speaks in: the scenario vocabulary
// (`DriverMode`, `TransmitOrder`, `World`, `Report` …) and virtual time (`SimTime`, `SimDuration`).
@_exported import Scenarios
@_exported import SimCore
