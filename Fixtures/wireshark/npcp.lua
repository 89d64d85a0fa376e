-- Wireshark dissector for NPCP, the nicsim policy control protocol (UDP port 7700): how an OS hands a packet policy
-- to a router and how the router answers. The message layout is documented in
-- Sources/WireFormats/PolicyControlMessage.swift. Load it with:
--   tshark -X lua_script:Fixtures/wireshark/npcp.lua -r run.pcap -Y npcp
-- or copy it into Wireshark's personal plugins folder.

local npcp = Proto("npcp", "nicsim policy control protocol")

local kinds = { [1] = "set", [2] = "remove", [3] = "ack", [4] = "nack" }
local actions = { [0] = "redirect", [1] = "replicate" }
local statuses = { [0] = "done", [1] = "malformed", [2] = "refused" }

local f = npcp.fields
f.magic = ProtoField.uint16("npcp.magic", "Magic", base.HEX)
f.version = ProtoField.uint8("npcp.version", "Version")
f.kind = ProtoField.uint8("npcp.kind", "Kind", base.DEC, kinds)
f.transaction = ProtoField.uint32("npcp.transaction", "Transaction")
f.policy = ProtoField.uint32("npcp.policy", "Policy id")
f.destination = ProtoField.ipv4("npcp.destination", "Match destination")
f.port = ProtoField.uint16("npcp.port", "Match destination port")
f.source = ProtoField.ipv4("npcp.source", "Match source (0.0.0.0: any)")
f.action = ProtoField.uint8("npcp.action", "Action", base.DEC, actions)
f.targets = ProtoField.uint8("npcp.targets", "Targets")
f.target = ProtoField.ipv4("npcp.target", "Target address")
f.target_port = ProtoField.uint16("npcp.target_port", "Target port")
f.status = ProtoField.uint8("npcp.status", "Status", base.DEC, statuses)

function npcp.dissector(buffer, pinfo, tree)
    if buffer:len() < 12 or buffer(0, 2):uint() ~= 0x4E50 then return 0 end
    pinfo.cols.protocol = "NPCP"
    local kind = buffer(3, 1):uint()
    local t = tree:add(npcp, buffer(), "nicsim policy control protocol")
    t:add(f.magic, buffer(0, 2))
    t:add(f.version, buffer(2, 1))
    t:add(f.kind, buffer(3, 1))
    t:add(f.transaction, buffer(4, 4))
    t:add(f.policy, buffer(8, 4))
    local info = (kinds[kind] or "unknown") .. " policy " .. buffer(8, 4):uint() .. " (transaction " ..
        buffer(4, 4):uint() .. ")"
    if kind == 1 and buffer:len() >= 24 then
        t:add(f.destination, buffer(12, 4))
        t:add(f.port, buffer(16, 2))
        t:add(f.source, buffer(18, 4))
        t:add(f.action, buffer(22, 1))
        t:add(f.targets, buffer(23, 1))
        local n = buffer(23, 1):uint()
        for k = 0, n - 1 do
            local o = 24 + 6 * k
            if buffer:len() >= o + 6 then
                local target = t:add(npcp, buffer(o, 6), "Target " .. (k + 1))
                target:add(f.target, buffer(o, 4))
                target:add(f.target_port, buffer(o + 4, 2))
            end
        end
        info = info .. ": " .. (actions[buffer(22, 1):uint()] or "?") .. " " .. tostring(buffer(12, 4):ipv4()) ..
            ":" .. buffer(16, 2):uint() .. " to " .. n .. " target(s)"
    elseif (kind == 3 or kind == 4) and buffer:len() >= 13 then
        t:add(f.status, buffer(12, 1))
    end
    pinfo.cols.info = info
    return buffer:len()
end

DissectorTable.get("udp.port"):add(7700, npcp)
