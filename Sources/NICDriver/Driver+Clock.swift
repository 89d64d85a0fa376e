import NICInterface
import SimCore

extension Driver {
    /// How old the newest reading of the device clock may be before a launch time takes a new one (datasheet
    /// §10.4). A driver's own choice: 10 ms keeps three register reads per 10 ms of launch-time traffic, and with
    /// readings exact to the picosecond (`SYSTIMR`) the rate between two of them is known far better than any
    /// oscillator's error.
    static let clockResyncInterval: Int64 = 10_000_000_000

    /// Reads the device clock (`SYSTIMR`, `SYSTIML`, `SYSTIMH`: three register reads, in the receipt) and pairs it
    /// with the host's time. Nothing without a host clock.
    func readDeviceClock() {
        guard let hostClock else { return }
        counters.registerReads += 3
        clockEstimate.add(host: hostClock.now.rawValue, device: DeviceClockReading(from: device).picoseconds)
    }

    /// The launch time to put in a context descriptor for host time `launch`: nanoseconds of device time (the
    /// 64-bit form of datasheet §10.2), rounded up so that a frame never leaves before its time. The device clock
    /// is read at the first launch time (not at attach, so that a host that never uses launch time reads nothing)
    /// and again when the newest reading is older than ``clockResyncInterval``. Without a host clock (a driver
    /// built outside a host), device time is taken to be host time.
    func deviceLaunchNanoseconds(forHost launch: SimTime) -> UInt64 {
        var picoseconds = Int128(launch.rawValue)
        if let hostClock {
            let now = hostClock.now.rawValue
            if clockEstimate.newestHost.map({ now - $0 >= Self.clockResyncInterval }) ?? true { readDeviceClock() }
            picoseconds = clockEstimate.devicePicoseconds(atHost: launch.rawValue) ?? picoseconds
        }
        return UInt64(clamping: max(0, (picoseconds + 999) / 1_000))
    }
}
