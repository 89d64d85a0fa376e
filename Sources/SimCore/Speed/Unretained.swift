// Speed layer: a reference that skips reference counting. A component on the per-packet path calls a long-lived
// object it knows is alive (its owner, a port, the next sink) through `Unretained` instead of a strong or `unowned`
// reference, which saves an atomic retain and release (or an unowned check) per call: BENCHMARKS.md, "Scaling",
// counts what the unretained calls buy. For an A/B run, make `withObject` go through `takeUnretainedValue()` (a
// strong reference for the call), which changes no result.

/// A reference to a class instance that neither keeps it alive nor counts references when copied or called.
///
/// Whoever stores one must hold the object strongly elsewhere for at least as long (a simulator owns its
/// components, a switch its ports); calling through a reference to a deallocated object is undefined. Model code
/// reaches these references through typed entry points (``FrameSinkReference``, the simulator's loop), or holds one
/// for an owner that outlives it.
@frozen
public struct Unretained<Object: AnyObject> {
    @usableFromInline let reference: Unmanaged<Object>

    /// A reference to `object`, which the caller keeps alive for as long as the reference is used.
    @inlinable
    public init(_ object: Object) {
        reference = Unmanaged.passUnretained(object)
    }

    @inlinable
    init(reference: Unmanaged<Object>) {
        self.reference = reference
    }

    /// Calls `body` with the object, without retaining it for the call.
    @_transparent
    public func withObject<Result>(_ body: (Object) throws -> Result) rethrows -> Result {
        try reference._withUnsafeGuaranteedRef(body)
    }

    /// Calls `body` with the object seen as `type`, which the caller knows it is (unchecked in release builds).
    @_transparent
    public func withObject<Target: AnyObject, Result>(
        as type: Target.Type, _ body: (Target) throws -> Result
    ) rethrows -> Result {
        try reference._withUnsafeGuaranteedRef { try body(unsafeDowncast($0, to: Target.self)) }
    }

    /// The same reference, typed as any object.
    @inlinable
    public var erased: Unretained<AnyObject> {
        Unretained<AnyObject>(reference: Unmanaged<AnyObject>.fromOpaque(reference.toOpaque()))
    }

    /// Where the object lies in the emulator's memory (for host-cache hints,
    /// ``HostCache/prefetch(object:byteCount:)``).
    @inlinable
    public var address: UnsafeRawPointer {
        UnsafeRawPointer(reference.toOpaque())
    }
}
