import SimCore

// Speed layer: a frame on its way to a router port brings the port's first cache lines into the host's caches
// (``HostCache``), no simulated effect; the same hint the port got as a plain frame sink before the router took
// frames as a multi-port sink. Measured with the NIC's hints (NIC+HostCache.swift in NICModel): 1.16x per packet at
// 10,000 destinations, hints on against off.
extension PolicyRouter {
    /// A frame is on its way into `port`: the port's first cache lines are prefetched
    /// (`MultiPortSink.prefetch(for:port:simulator:)`).
    public func prefetch(for frame: FrameHandle, port: Int, simulator: Simulator) {
        HostCache.prefetch(object: Unretained<AnyObject>(ports[port]))
    }
}
