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

#endif
