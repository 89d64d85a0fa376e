extension NIC {
    /// The cumulative counter behind a statistics register of this file, if `offset` is one.
    func statisticsCounter(_ offset: NICRegister) -> UInt64? {
        // The stored counters, not ``counters``: that getter builds the per-queue arrays, and every register read
        // (the interrupt handler's ICR read among them) asks here first.
        let c = _counters
        switch offset {
        case .rxcec: return c.rxChecksumErrors
        case .rxddc: return c.rxDroppedDisabled
        case .rxodc: return c.rxDroppedOversize
        case .rxdec: return c.rxDMAErrors
        case .txdmac: return c.txDMAErrors
        case .txlenc: return c.txLengthErrors
        case .txfmtc: return c.txFormatErrors
        case .txqec: return c.txRingEmptyEvents
        case .ictxc: return c.interruptsWithTransmitCause
        case .icrxc: return c.interruptsWithReceiveCause
        case .icerc: return c.interruptsWithErrorCause
        case .icc: return c.interrupts
        case .ltdc: return c.lateFramesDropped
        case .hpdc: return c.hairpinDrops
        default:
            let raw = offset.rawValue
            if raw >= 0x4500 && raw < 0x4520 && raw % 4 == 0 {
                let q = Int(raw - 0x4500) / 4
                return q < txQueues.count ? txQueues[q].framesSent : 0
            }
            if raw >= 0x4540 && raw < 0x4560 && raw % 4 == 0 {
                let q = Int(raw - 0x4540) / 4
                return q < rxQueues.count ? rxQueues[q].framesReceived : 0
            }
            return nil
        }
    }

    /// Reads a statistics register: the count since its last read, then clears it (by moving its baseline).
    func readStatistics(_ offset: NICRegister) -> UInt32? {
        guard let total = statisticsCounter(offset) else { return nil }
        let since = total &- (statisticsBaselines[offset.rawValue] ?? 0)
        statisticsBaselines[offset.rawValue] = total
        return UInt32(clamping: since)
    }
}
