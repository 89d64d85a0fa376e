import NICInterface

extension Driver {
    /// `LSC` was raised: reads STATUS and stops or resumes. With the link down the driver posts nothing (writes are
    /// accepted and wait in its queue, as when the ring is full; descriptors already posted are the device's); when
    /// it comes back the driver posts what waited, and the interrupt handler's caller rings the doorbell.
    func linkStatusChanged() {
        counters.registerReads += 1
        let up = DeviceStatus(rawValue: device.readRegister(.status)).contains(.linkUp)
        if up && linkDown {
            linkDown = false
            counters.linkResumes += 1
            post()
        } else if !up && !linkDown {
            linkDown = true
            counters.linkStops += 1
        }
    }

    /// Whether the driver saw the link up at the last link status change (true until one says otherwise).
    public var isLinkUp: Bool { !linkDown }
}
