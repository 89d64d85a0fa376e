/* Minimal libvdeplug receiver for Benchmarks/vde/run.sh: counts the frames that arrive.
 *
 *   cc -O2 -o vde_recv_bench vde_recv_bench.c -lvdeplug
 *   ./vde_recv_bench URL IDLE_MS MAX_SECONDS [READY_FILE]
 *
 * Opens URL (touching READY_FILE once open), then counts frames until none has arrived for IDLE_MS after the
 * first one, or MAX_SECONDS have passed, or SIGTERM/SIGINT; prints one line of key=value figures.
 */
#include <stddef.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libvdeplug.h>

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) { (void)sig; stop_requested = 1; }

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL IDLE_MS MAX_SECONDS [READY_FILE]\n", argv[0]);
        return 2;
    }
    char *url = argv[1];
    long idle_ms = strtol(argv[2], NULL, 10);
    long max_seconds = strtol(argv[3], NULL, 10);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    VDECONN *conn = vde_open(url, "vde_recv_bench", NULL);
    if (conn == NULL) {
        fprintf(stderr, "vde_open %s: %s\n", url, strerror(errno));
        return 1;
    }
    if (argc > 4) {
        FILE *ready = fopen(argv[4], "w");
        if (ready) fclose(ready);
    }
    static unsigned char buf[VDE_ETHBUFSIZE];
    long frames = 0, bytes = 0, short_frames = 0;
    int64_t deadline = now_ns() + (int64_t)max_seconds * 1000000000;
    int64_t first = 0, last = 0;
    struct pollfd pfd = {vde_datafd(conn), POLLIN, 0};
    while (!stop_requested && now_ns() < deadline) {
        int r = poll(&pfd, 1, frames > 0 ? (int)idle_ms : 100);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) break;
        if (r == 0) {
            if (frames > 0) break;
            continue;
        }
        ssize_t n = vde_recv(conn, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        if (n < 14) {
            short_frames++;
            continue;
        }
        if (frames == 0) first = now_ns();
        last = now_ns();
        frames++;
        bytes += n;
    }
    vde_close(conn);
    double seconds = (double)(last - first) / 1e9;
    printf("receiver url=%s frames=%ld bytes=%ld short=%ld span_seconds=%.6f received_per_s=%.0f\n", url, frames,
           bytes, short_frames, seconds, seconds > 0 ? frames / seconds : 0.0);
    return 0;
}
