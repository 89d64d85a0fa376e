extension Simulator {
    /// Ends the simulation for good: drops the pending events and the loop's references to its components.
    ///
    /// Components keep a reference to their simulator and the simulator keeps every registered component, so a
    /// finished simulation stays in memory for as long as the process lives. That is harmless for one run per
    /// process; a process that builds many (a fuzzer, a long test suite) tears each one down when done with it.
    /// Nothing may be scheduled, registered or run afterwards.
    public func tearDown() {
        queue = EventQueue(capacity: 0)
        handlers.removeAll()
        names.removeAll()
    }
}
