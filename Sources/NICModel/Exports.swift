// The device implements the datasheet's definitions; whoever builds or tests a device sees them with it.
@_exported import NICInterface
