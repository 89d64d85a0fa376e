// The VDEPort module.
