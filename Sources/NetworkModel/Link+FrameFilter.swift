/// Something between a link's transmitters and its far sides that may drop frames (a fault injector:
/// `ScenarioWorld` installs one only when a scenario has link faults).
///
/// The link offers it each frame its own random loss kept, as the frame's last bit is handed over; a frame it drops
/// is released there and counted in ``LinkDirectionCounters/faultDrops``.
public protocol LinkFrameFilter: AnyObject {
    /// Whether to drop the frame travelling from side A (`fromA`) or from side B.
    func drops(fromA: Bool) -> Bool
}
