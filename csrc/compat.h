/*
** Platform quirks, in one place.  lsock targets Linux first (accept4,
** SOCK_CLOEXEC, MSG_NOSIGNAL, epoll); other POSIX systems get the portable
** fallback named at each #if.  Every C file includes this header first.
*/
#ifndef LSOCK_COMPAT_H
#define LSOCK_COMPAT_H

/* accept4, SOCK_CLOEXEC, MSG_NOSIGNAL, struct ucred and friends are GNU
** extensions of glibc: ask for them before any system header. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>

/* Without MSG_NOSIGNAL (older BSDs) a send to a closed peer raises
** SIGPIPE; there SO_NOSIGPIPE is set per socket instead (socket.c). */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#define LSOCK_NEED_NOSIGPIPE 1
#endif

/* For helpers that end in a Lua error: tells compilers and analyzers that
** control never comes back (lua_error longjmps). */
#if defined(__GNUC__) || defined(__clang__)
#define LSOCK_NORETURN __attribute__((noreturn))
#else
#define LSOCK_NORETURN
#endif

/* Without SOCK_CLOEXEC the flag is set with fcntl right after socket(). */
#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC 0
#define LSOCK_NEED_FCNTL_CLOEXEC 1
#endif
#ifndef SOCK_NONBLOCK
#define SOCK_NONBLOCK 0
#endif

/* Without MSG_CMSG_CLOEXEC descriptors received with SCM_RIGHTS arrive
** without close-on-exec (msg.c). */
#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0
#endif

/* Linux: epoll for lsock.poller (poll.c falls back to poll(2) without
** it), and the headers of its own families and error queue (netlink and
** packet sockets in link.c and options.c, sock_extended_err in cmsg.c,
** their constants in core.c).  lsock does not build elsewhere without
** them yet: the rows that use them are Linux-only. */
#ifdef __linux__
#include <sys/epoll.h>
#define LSOCK_HAVE_EPOLL 1
#include <linux/errqueue.h>
#include <linux/netlink.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#endif

/* The number of signals, for signal sets (sigio.c). */
#ifdef _NSIG
#define LSOCK_NSIGS _NSIG
#else
#define LSOCK_NSIGS 65
#endif

#include <errno.h>
#include <fcntl.h>

/* Per-socket set-up right after socket(), socketpair() or accept4(), on
** systems that lack SOCK_CLOEXEC or MSG_NOSIGNAL. */
static inline void lsockC_setupfd(int fd) {
#ifdef LSOCK_NEED_FCNTL_CLOEXEC
  fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
#ifdef LSOCK_NEED_NOSIGPIPE
  { int on = 1; setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on); }
#endif
  (void)fd;
}

/* A socket descriptor's family and protocol: SO_DOMAIN and SO_PROTOCOL
** where the system has them (they work on unbound sockets), else the
** family of its local address and protocol 0.  Returns 0 or an errno. */
static inline int lsockC_sockdomain(int fd, int *family, int *proto) {
#ifdef SO_DOMAIN
  socklen_t len = sizeof *family;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, family, &len) == -1)
    return errno;
  len = sizeof *proto;
  return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, proto, &len) == -1
         ? errno : 0;
#else
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
    *family = ss.ss_family;
  *proto = 0;
  return 0;
#endif
}

#endif
