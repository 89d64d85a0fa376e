import HostOS
import NICInterface
import SimCore

extension NAPIDriver {
    /// How old the newest reading of the device clock may be before a launch time takes a new one (datasheet
    /// §10.4); the driver's own choice, as the reference driver's.
    static let clockResyncInterval: Int64 = 10_000_000_000

    /// The launch time for host time `launch` in nanoseconds of device time (the 64-bit form of datasheet §10.2),
    /// rounded down as this driver always has. The device clock (`SYSTIMR`, `SYSTIML`, `SYSTIMH`, three reads in
    /// `r`) is read at the first launch time and again when the newest reading is older than
    /// ``clockResyncInterval``; the conversion takes the offset from the newest reading and the rate from the first
    /// and the newest. Without a host clock, device time is taken to be host time.
    func deviceLaunchNanoseconds(forHost launch: SimTime, _ r: inout DriverReceipt) -> UInt64 {
        var picoseconds = Int128(launch.rawValue)
        if let hostClock {
            let now = hostClock.now.rawValue
            if clockEstimate.newestHost.map({ now - $0 >= Self.clockResyncInterval }) ?? true {
                r.registerReads += 3
                clockEstimate.add(host: now, device: DeviceClockReading(from: device).picoseconds)
            }
            picoseconds = clockEstimate.devicePicoseconds(atHost: launch.rawValue) ?? picoseconds
        }
        return UInt64(clamping: max(0, picoseconds / 1_000))
    }
}
