/* Minimal libvdeplug sender: the transport's own limit, to compare nicsim's VDE port against.
 *
 *   cc -O2 -o vde_send_bench vde_send_bench.c -lvdeplug
 *   ./vde_send_bench URL COUNT [FRAME_LENGTH [wait]]
 *
 * Opens URL, waits 100 ms (vde_switch loses frames from plugs that send right after opening), sends COUNT
 * frames of FRAME_LENGTH bytes (default 1514) as fast as vde_send takes them on a non-blocking data descriptor,
 * waits 200 ms so the switch forwards what is queued, closes, and prints one line of key=value figures.
 * ENOBUFS/EAGAIN are counted as drops; EINTR is retried. With "wait", a full queue is instead waited on
 * (poll for POLLOUT, 10 ms at a time, at most 1 s per frame) and the same frame retried: the transport's lossless
 * limit. Same frame as VDEConnection.blast: 02:00:00:00:00:02 <- 02:00:00:00:00:01, EtherType 0x88B5, sequence
 * number in bytes 14..21.
 */
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libvdeplug.h>

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s URL COUNT [FRAME_LENGTH [wait]]\n", argv[0]);
        return 2;
    }
    char *url = argv[1];
    long count = strtol(argv[2], NULL, 10);
    long length = argc > 3 ? strtol(argv[3], NULL, 10) : 1514;
    int wait_for_room = argc > 4 && strcmp(argv[4], "wait") == 0;
    if (count < 0 || count > 100000000 || length < 22 || length > VDE_ETHBUFSIZE) {
        fprintf(stderr, "bad COUNT or FRAME_LENGTH\n");
        return 2;
    }
    VDECONN *conn = vde_open(url, "vde_send_bench", NULL);
    if (conn == NULL) {
        fprintf(stderr, "vde_open %s: %s\n", url, strerror(errno));
        return 1;
    }
    int fd = vde_datafd(conn);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        fprintf(stderr, "fcntl: %s\n", strerror(errno));
        vde_close(conn);
        return 1;
    }
    unsigned char frame[VDE_ETHBUFSIZE];
    memset(frame, 0, sizeof frame);
    static const unsigned char header[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xB5};
    memcpy(frame, header, sizeof header);
    pause_ms(100);

    long sent = 0, dropped = 0, failed = 0, waits = 0;
    int first_errno = 0;
    int64_t start = now_ns();
    for (long i = 0; i < count; i++) {
        uint64_t seq = (uint64_t)i;
        for (int b = 21; b >= 14; b--) {
            frame[b] = (unsigned char)seq;
            seq >>= 8;
        }
        ssize_t n;
        int waited_ms = 0;
        for (;;) {
            n = vde_send(conn, frame, (size_t)length, 0);
            if (n >= 0 || errno == EINTR) {
                if (n >= 0) break;
                continue;
            }
            if (!wait_for_room || waited_ms >= 1000 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS))
                break;
            struct pollfd pfd = {fd, POLLOUT, 0};
            waits++;
            if (poll(&pfd, 1, 10) == 0) waited_ms += 10;
        }
        if (n >= 0) {
            sent++;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
            dropped++;
        } else {
            if (first_errno == 0) first_errno = errno;
            failed++;
        }
    }
    int64_t elapsed = now_ns() - start;
    pause_ms(200);
    vde_close(conn);
    double seconds = (double)elapsed / 1e9;
    printf("sender=%s url=%s attempted=%ld sent=%ld dropped=%ld failed=%ld waits=%ld seconds=%.6f sent_per_s=%.0f "
           "attempted_per_s=%.0f%s%s\n",
           wait_for_room ? "c-wait" : "c", url, count, sent, dropped, failed, waits, seconds,
           seconds > 0 ? sent / seconds : 0.0,
           seconds > 0 ? count / seconds : 0.0, first_errno ? " first_error=" : "",
           first_errno ? strerror(first_errno) : "");
    return failed > 0 ? 1 : 0;
}
