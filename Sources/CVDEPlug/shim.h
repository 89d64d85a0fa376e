// A thin C view of libvdeplug for Swift. <stddef.h> first: libvdeplug.h uses size_t without including it.
#ifndef NICSIM_CVDEPLUG_SHIM_H
#define NICSIM_CVDEPLUG_SHIM_H
#include <stddef.h>
#include <sys/types.h>
#include <libvdeplug.h>

// vde_open is a macro over vde_open_real; Swift cannot call macros, so wrap it.
static inline VDECONN *nicsim_vde_open(char *url, char *description, struct vde_open_args *args) {
    return vde_open(url, description, args);
}

// The same with const strings (Swift passes a String as `const char *` only) and an optional switch port.
// libvdeplug never writes through the two strings; it copies them. With port 0 no open arguments are passed, so
// every plugin applies its own defaults (mode 0700 for the vde plugin's data socket).
static inline VDECONN *nicsim_vde_open_port(const char *url, const char *description, int port) {
    if (port == 0) {
        return vde_open((char *)url, (char *)description, NULL);
    }
    struct vde_open_args args = {.port = port, .group = NULL, .mode = 0700};
    return vde_open((char *)url, (char *)description, &args);
}

// Largest frame libvdeplug moves (MTU 9216 + Ethernet header + 802.1Q tag), as a constant Swift can import.
static const int nicsim_vde_ethbufsize = VDE_ETHBUFSIZE;

// The real-time pacer's timer slack (prctl is variadic, which Swift cannot call). Linux only; elsewhere -1.
#ifdef __linux__
#include <sys/prctl.h>
static inline long nicsim_get_timer_slack(void) { return prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0); }
static inline int nicsim_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0);
}
#else
static inline long nicsim_get_timer_slack(void) { return -1; }
static inline int nicsim_set_timer_slack(unsigned long nanoseconds) { (void)nanoseconds; return -1; }
#endif
#endif
