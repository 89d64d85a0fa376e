/* The reference senders of Scripts/pacing-measure.sh: paces a UDP stream into a VDE switch with an absolute
 * clock_nanosleep on CLOCK_MONOTONIC alone (no spinning), the plain way to pace a stream from user space; or, with
 * SPIN_US > 0, sleeps until SPIN_US before each due time and spins on the clock for the rest, which sends each
 * frame at its due time unless the thread is preempted and so measures the floor of the path behind the sender
 * (vde_switch, vde_plug2tap, the tap, the receiving stack): no pacer that goes through that path can do better.
 *
 *   cc -O2 -o pace_send pace_send.c -lvdeplug
 *   ./pace_send URL RATE COUNT [SPIN_US]
 *
 * Datagram k (k = 0 … COUNT−1) is due 100 ms after the plug opens (vde_switch loses frames from plugs that send
 * at once) plus k / RATE seconds. Frames go from 02:00:00:00:00:65, 192.0.2.101:4001 to 02:00:00:00:00:77,
 * 192.0.2.1:5000 (the script's tap in its namespace); the 32-byte payload holds k and k's due time relative to
 * datagram 0 in nanoseconds (both 64-bit big-endian), so the receiver knows each datagram's send time. The timer
 * slack is set to 1 ns, as nicsim's pacer does. Waits 200 ms before closing so the switch forwards what is
 * queued, and prints one line: sent, send errors, the largest lateness seen at the send (ns).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <libvdeplug.h>
#include "pace_clock.h"

static void put64(unsigned char *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) { p[i] = (unsigned char)(v & 0xff); v >>= 8; }
}

static uint16_t checksum(const unsigned char *p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += (uint32_t)(p[n - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s URL RATE COUNT [SPIN_US]\n", argv[0]);
        return 2;
    }
    long rate = strtol(argv[2], NULL, 10);
    long count = strtol(argv[3], NULL, 10);
    long spin_us = argc == 5 ? strtol(argv[4], NULL, 10) : 0;
    if (rate < 1 || rate > 1000000 || count < 1 || count > 10000000 || spin_us < 0 || spin_us > 100000) {
        fprintf(stderr, "RATE must lie in 1…1000000, COUNT in 1…10000000 and SPIN_US in 0…100000\n");
        return 2;
    }
    prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
    VDECONN *conn = vde_open(argv[1], "nicsim pace_send", NULL);
    if (conn == NULL) {
        fprintf(stderr, "vde_open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    enum { payload = 32, length = 14 + 20 + 8 + payload };
    unsigned char frame[length];
    memset(frame, 0, sizeof frame);
    const unsigned char dst[6] = {2, 0, 0, 0, 0, 0x77}, src[6] = {2, 0, 0, 0, 0, 0x65};
    memcpy(frame, dst, 6);
    memcpy(frame + 6, src, 6);
    frame[12] = 0x08;
    unsigned char *ip = frame + 14;
    ip[0] = 0x45;
    ip[2] = (20 + 8 + payload) >> 8;
    ip[3] = (20 + 8 + payload) & 0xff;
    ip[6] = 0x40;  /* DF */
    ip[8] = 64;
    ip[9] = 17;
    const unsigned char from[4] = {192, 0, 2, 101}, to[4] = {192, 0, 2, 1};
    memcpy(ip + 12, from, 4);
    memcpy(ip + 16, to, 4);
    unsigned char *udp = ip + 20;
    udp[0] = 4001 >> 8; udp[1] = 4001 & 0xff;
    udp[2] = 5000 >> 8; udp[3] = 5000 & 0xff;
    udp[4] = (8 + payload) >> 8; udp[5] = (8 + payload) & 0xff;  /* checksum 0: none (IPv4) */
    const int64_t period = 1000000000 / rate;
    const int64_t remainder = 1000000000 % rate;
    int64_t start = now_ns() + 100000000;
    long sent = 0, errors = 0;
    int64_t worst = 0;
    for (long k = 0; k < count; k++) {
        int64_t offset = (int64_t)k * period + (int64_t)k * remainder / rate;
        int64_t due = start + offset;
        if (spin_us > 0) spin_until(due, (int64_t)spin_us * 1000); else sleep_until(due);
        int64_t late = now_ns() - due;
        if (late > worst) worst = late;
        put64(udp + 8, (uint64_t)k);
        put64(udp + 16, (uint64_t)offset);
        ip[4] = (unsigned char)(k >> 8);
        ip[5] = (unsigned char)k;
        ip[10] = ip[11] = 0;
        uint16_t c = checksum(ip, 20);
        ip[10] = c >> 8;
        ip[11] = c & 0xff;
        if (vde_send(conn, frame, length, 0) == length) sent++; else errors++;
    }
    struct timespec settle = {0, 200000000};
    nanosleep(&settle, NULL);
    vde_close(conn);
    printf("pace_send sent=%ld errors=%ld max_send_lateness_ns=%lld\n", sent, errors, (long long)worst);
    return errors == 0 ? 0 : 1;
}
