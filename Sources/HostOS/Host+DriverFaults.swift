import SimCore

extension HostError.Code {
    /// The driver did something no working driver does (an impossible receipt, a completion it never had); the
    /// host stops calling it and the run ends.
    public static let driverMisbehaved = HostError.Code(rawValue: "driver misbehaved")
}

extension Host {
    /// Refuses a receipt no working driver returns from `call`, recording the fault.
    func checkReceipt(_ receipt: DriverReceipt, _ call: String) throws(HostError) {
        guard receipt.isPlausible else {
            driverMisbehaved("\(call) returned an impossible receipt")
            throw HostError(.driverMisbehaved, "driver \(driver.kind): \(call) returned an impossible receipt")
        }
    }

    /// Records what the driver did wrong (the first thing only) and stops the simulation: the run ends there, and
    /// what it produced so far (report, capture) is kept.
    func driverMisbehaved(_ what: String) {
        if driverFault == nil { driverFault = "driver \(driver.kind) on \(name): \(what)" }
        simulator.stop()
    }
}
