import ScenarioFormat
import SimCore
import VDEPort

extension World {
    /// Ends the world for good: stops its real-time parts, closes a VDE port, and tears the simulator down so
    /// that everything the world built can be freed (see `Simulator.tearDown()`). Take the report
    /// first; the world cannot run afterwards.
    public func tearDown() {
        vdePort?.close()
        pacer?.stop()
        simulator.tearDown()
    }
}
