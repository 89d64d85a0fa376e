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
#endif
