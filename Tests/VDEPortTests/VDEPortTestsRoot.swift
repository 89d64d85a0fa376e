import Testing

/// Every suite of this module nests here, so that they run one at a time: they start vde_switch processes, tap
/// devices and network namespaces, and some compare virtual time with the wall clock.
@Suite(.serialized) struct VDEPortTestsRoot {}
