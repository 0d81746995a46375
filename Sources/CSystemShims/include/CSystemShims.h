#ifndef OMZIEN_C_SYSTEM_SHIMS_H
#define OMZIEN_C_SYSTEM_SHIMS_H
// Small C helpers for system calls whose structs Swift imports badly (epoll_event is packed,
// sockaddr is a union in disguise, signal handlers must be async-signal-safe C).
// Every function returns -1 and leaves errno set on failure, like the call it wraps,
// unless documented otherwise.
#include <stdint.h>
#include <stddef.h>

int omzien_shims_version(void);

// epoll event bits (same values as <sys/epoll.h>, as plain integer macros).
#define OMZIEN_EPOLLIN 0x001u
#define OMZIEN_EPOLLOUT 0x004u
#define OMZIEN_EPOLLERR 0x008u
#define OMZIEN_EPOLLHUP 0x010u
#define OMZIEN_EPOLLRDHUP 0x2000u
#define OMZIEN_EPOLLEXCLUSIVE (1u << 28)

#define OMZIEN_EPOLL_CTL_ADD 1
#define OMZIEN_EPOLL_CTL_DEL 2
#define OMZIEN_EPOLL_CTL_MOD 3

/// epoll_create1(EPOLL_CLOEXEC).
int omzien_epoll_create(void);
/// epoll_ctl with the event's data set to `data` (u64).
int omzien_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// epoll_wait; fills `datas[i]` and `events[i]` for each ready entry; returns the count.
int omzien_epoll_wait(int epfd, uint64_t *datas, uint32_t *events, int max_events, int timeout_ms);

/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
int omzien_eventfd(void);
/// Adds 1 to an eventfd counter (write of a uint64_t). Returns 0 or -1.
int omzien_eventfd_signal(int fd);
/// Reads and resets an eventfd counter. Returns 0, or -1 (errno EAGAIN when it was zero).
int omzien_eventfd_drain(int fd);

/// Creates a non-blocking, close-on-exec TCP socket listening on `host`:`port` (numeric
/// IPv4/IPv6 address or a name resolved with getaddrinfo; the first address that binds wins),
/// with SO_REUSEADDR, and SO_REUSEPORT when `reuse_port` is non-zero (so that each event loop
/// can have its own listening socket on the same port and the kernel spreads connections).
/// Writes the bound port (useful with port 0) to `bound_port`.
/// Returns the fd, or -1 with errno set (EAI errors are mapped to EINVAL).
int omzien_listen_tcp(const char *host, uint16_t port, int backlog, int reuse_port, int *bound_port);

/// accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) and sets TCP_NODELAY. Writes the peer address as
/// "ip:port" (IPv6 as "[ip]:port") into `address` (NUL-terminated, truncated to `capacity`).
int omzien_accept(int listen_fd, char *address, size_t capacity);

/// send(MSG_NOSIGNAL | MSG_DONTWAIT): a peer that went away gives EPIPE, never SIGPIPE.
long omzien_send(int fd, const void *buffer, size_t length);

/// Installs handlers for `signals` that write the signal number (one byte) to a pipe, and
/// returns the pipe's read end (blocking, close-on-exec). The handler is async-signal-safe.
/// Also unblocks the signals in the calling thread (a spawned process may inherit them
/// blocked). Call it before starting other threads. Calling it again adds signals.
int omzien_signal_pipe(const int *signals, int count);

/// pthread_setname_np for the calling thread (name truncated to 15 bytes).
void omzien_set_thread_name(const char *name);

/// Resident set size of this process in bytes (from /proc/self/statm), or -1.
long omzien_resident_bytes(void);

#endif
