import SimCore

extension Host {
    /// Schedules the driver's watchdog one interval from now when none is scheduled and there may be work for it
    /// (``DriverConfiguration/watchdogInterval``; nothing when it is zero): transmit work outstanding,
    /// or, with `receiving`, a receive ring that just saw traffic.
    ///
    /// The watchdog runs only while there may be work, so an idle host schedules nothing and a run still ends
    /// when its traffic does, at most two intervals after the last completion.
    func armWatchdog(receiving: Bool = false) {
        let interval = driver.configuration.watchdogInterval
        guard interval > .zero, !watchdogArmed,
              driver.hasOutstandingWork || (receiving && driver.hasReceiveRing) else { return }
        watchdogArmed = true
        simulator.schedule(HostEvent.watchdog, after: interval, for: id)
    }

    /// Runs the driver's watchdog on the interrupt core (a timer's softirq), priced like the handler's work
    /// without the interrupt entry, and rings the doorbell if it posted.
    func runWatchdog() {
        watchdogArmed = false
        let account = runDriverWork("watchdog") { $0.watchdog() }
        finishDriverWork(account)
        // A run that found receive work looks again one interval later; one that found nothing stops.
        armWatchdog(receiving: lastRunReceipt.framesDelivered > 0 || lastRunReceipt.receiveBuffersRefilled > 0
                    || lastRunReceipt.descriptorsReclaimed > 0)
    }
}
