#ifndef OMZIEN_C_SYSTEM_SHIMS_H
#define OMZIEN_C_SYSTEM_SHIMS_H
// Small C helpers for system calls whose structs Swift imports badly (epoll_event is packed).
int omzien_shims_version(void);
#endif
