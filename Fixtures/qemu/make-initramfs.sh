#!/usr/bin/env bash
# Builds a tiny guest for the QEMU recipe (README "A QEMU guest on the same switch"): a busybox initramfs whose
# init brings up an e1000 NIC at 192.0.2.77/24, pings the nicsim server at 192.0.2.100, stays up 15 s while the
# server writes to it, and powers off. Needs: busybox-static, cpio, a Debian kernel (linux-image-amd64) for the e1000 module.
set -euo pipefail
out=${1:-/tmp/nicsim-guest.cpio.gz}
kernel=$(ls /lib/modules | sort | tail -1)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev}
cp /usr/bin/busybox "$root/bin/busybox"
for tool in sh mount ip ping insmod sleep echo poweroff; do ln -s busybox "$root/bin/$tool"; done
cp "/lib/modules/$kernel/kernel/drivers/net/ethernet/intel/e1000/e1000.ko" "$root/e1000.ko"
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
insmod /e1000.ko
ip link set lo up
ip link set eth0 up
ip addr add 192.0.2.77/24 dev eth0
echo "guest: up"
ping -c 3 -W 2 192.0.2.100 && echo "guest: ping ok" || echo "guest: ping failed"
# Stay up while the emulated server's second write (at 10 s) resolves this guest by ARP and sends to it.
sleep 15
echo "guest: done"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -9) > "$out"
echo "$out"
