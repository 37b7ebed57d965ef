/*
** The one header shared by the C files of lsock.core: the socket and
** address userdata, and the lsockI_ helpers one file offers the others.
** Conventions: misuse raises; the system saying no pushes nil, msg, errno.
*/
#ifndef LSOCK_H
#define LSOCK_H

#include "compat.h"

#include <sys/un.h>
#include <netinet/in.h>

#include "lua.h"
#include "lauxlib.h"

#define LSOCK_SOCKET  "lsock.socket"    /* metatable names (__name) */
#define LSOCK_ADDR    "lsock.sockaddr"

/* fd == -1: closed.  Created closed, then opened: __gc is always safe.
** timeout < 0: blocking; 0: non-blocking; > 0: each call waits at most
** that many seconds (the descriptor is then O_NONBLOCK and waits in poll). */
typedef struct Sock {
  int fd;
  int family, type, protocol;
  double timeout;
} Sock;

/* A socket address of any family; len is what the kernel takes or gave
** (exact for unix addresses: abstract names may hold NUL bytes). */
typedef struct Addr {
  socklen_t len;
  struct sockaddr_storage ss;
} Addr;

#define lsockI_sa(a)  ((struct sockaddr *)&(a)->ss)

/* The floors, bottom up: each file calls only files of the floors below
** it (checked with c-floors.py, see doc/architecture.md).
**   0  args.c (argument checks, names, result triples), wait.c (the wait
**      engine), stream.c, checksum.c
**   1  link.c (netlink/packet addresses), names.c, proc.c
**   2  addr.c (the sockaddr userdata, getaddrinfo)
**   3  socket.c (the socket userdata, data path), mcastopt.c, ifaddrs.c,
**      gaipool.c (lookups on worker threads)
**   4  options.c, poll.c, sendfile.c, sigio.c, compatobj.c
**   5  cmsg.c (ancillary data), then 6 msg.c (sendmsg and friends)
**   7  core.c: the module table, calls every *_open */

/* args.c: results, names and numbers */
typedef struct LsockName { const char *name; int value; } LsockName;
int lsockI_fail(lua_State *L, int err);
int lsockI_timeout(lua_State *L);
int lsockI_pusherr(lua_State *L, int err);  /* ETIMEDOUT: "timeout" */
int lsockI_pushtrue(lua_State *L);
int lsockI_kinderror(lua_State *L, const char *option, const char *expected);
int lsockI_checkint(lua_State *L, int arg);
int lsockI_checkfamily(lua_State *L, int arg, int def);
int lsockI_checktype(lua_State *L, int arg, int def);
int lsockI_checkprotocol(lua_State *L, int arg, int def);
int lsockI_checkflagnames(lua_State *L, int arg, int def,
                          const LsockName *t);
int lsockI_checkflags(lua_State *L, int arg, int def);
void lsockI_pushfamily(lua_State *L, int family);
void lsockI_pushtype(lua_State *L, int type);

/* wait.c: the wait engine.  A deadline is a value: how long a call may
** wait in all (timeout < 0: no bound), started by its first wait, so a
** call that never has to wait never reads the clock. */
typedef struct LsockDeadline {
  double timeout;  /* seconds from the first wait; < 0: no bound */
  double at;       /* the monotonic time it ends, once started */
  int started;
} LsockDeadline;

static inline LsockDeadline lsockI_deadline(double timeout) {
  LsockDeadline d;
  d.timeout = timeout;
  d.at = 0;
  d.started = 0;
  return d;
}

double lsockI_now(void);
/* Milliseconds left for poll() (starting d): -1 without a bound, 0 once
** passed, rounded up so that a wait never ends before its time. */
int lsockI_msleft(LsockDeadline *d);
/* Wait until fd is ready for events (POLLIN/POLLOUT/POLLPRI) or the
** deadline: 0 when ready (or on error/hang-up: the next call reports it),
** ETIMEDOUT, or an errno. */
int lsockI_waitfd(int fd, int events, LsockDeadline *d);
/* The timeout policy every data call shares: after 'err' (an errno), wait
** when the socket has a timeout and err is EAGAIN; returns 0 to retry or
** the error to report (lsockI_pusherr reports it). */
int lsockI_waitretry(Sock *s, int err, int events, int flags,
                     LsockDeadline *d);
size_t lsockI_waitall(Sock *s, char *p, size_t got, size_t size, int flags,
                      LsockDeadline *d);
/* Before a call that takes no per-call "do not block" flag (accept,
** connect, sendfile): a socket with a timeout makes the open file it
** shares with its dups O_NONBLOCK again, since a dup (or another
** process) may have made it blocking.  Returns 0 or an errno. */
int lsockI_nonblocking(const Sock *s);
/* The flags a data call gives the kernel: a socket with a timeout, or a
** non-blocking one, never blocks in the kernel, even when a dup of it made
** the open file they share (and so O_NONBLOCK) blocking again. */
#define lsockI_sysflags(s, flags) \
  ((s)->timeout >= 0 ? (flags) | MSG_DONTWAIT : (flags))
/* What a receive waits for: urgent data shows as POLLPRI, not POLLIN. */
#define lsockI_recvevents(flags)  (((flags) & MSG_OOB) ? POLLPRI : POLLIN)

/* link.c: netlink and packet addresses, their protocol names and
** constants.  tableaddr builds netlink and packet addresses (returns 0)
** or pushes the positional arguments of the other families and returns
** the family; tablefix adds inet6 scope and flowinfo.  linkindex and
** linktostring return 0 for other families. */
int lsockI_checkfamproto(lua_State *L, int arg, int family);
int lsockI_sysproto(int family, int protocol);
int lsockI_tableaddr(lua_State *L, int t, Addr *a);
void lsockI_tablefix(lua_State *L, int t, Addr *a);
int lsockI_linkindex(lua_State *L, const Addr *a, const char *k);
int lsockI_linktostring(lua_State *L, const Addr *a);
void lsockI_open_link(lua_State *L);

/* addr.c: the sockaddr userdata and name resolution */
Addr *lsockI_pushaddr(lua_State *L, const struct sockaddr *sa,
                      socklen_t len);
Addr *lsockI_testaddr(lua_State *L, int arg);
int lsockI_getaddr(lua_State *L, int arg, const Sock *s, Addr *out,
                   int *nargs);
int lsockI_addrtostring(lua_State *L, const Addr *a);
void lsockI_open_addr(lua_State *L);
/* getaddrinfo/getnameinfo in two halves, so that the lookup itself can
** run elsewhere (gaipool.c): arguments checked as lsock.getaddrinfo and
** lsock.getnameinfo check them, results pushed as they push them. */
#include <netdb.h>
typedef struct GaiArgs {
  const char *host, *service;   /* in the stack, or NULL */
  struct addrinfo hints;
} GaiArgs;
int lsockI_gaiargs(lua_State *L, GaiArgs *g);
int lsockI_gairesults(lua_State *L, int r, int err, struct addrinfo *res);
int lsockI_niargs(lua_State *L, Addr *a);
int lsockI_niresults(lua_State *L, int r, int err, const char *host,
                     const char *serv);

/* gaipool.c: lookups on worker threads, for lsock.loop */
void lsockI_open_gaipool(lua_State *L);

/* socket.c: the socket userdata.  Methods get the socket metatable as
** upvalue 1 (lsockI_addmethods), so lsockI_checksock is one pointer
** compare, and raises on a closed socket.  lsockI_testsock works in any
** function and returns NULL for a non-socket (a closed one is returned). */
Sock *lsockI_checksock(lua_State *L, int arg);
Sock *lsockI_testsock(lua_State *L, int arg);
void lsockI_addmethods(lua_State *L, const luaL_Reg *l);
Sock *lsockI_pushsock(lua_State *L, int fd, int family, int type,
                      int protocol, double timeout);
size_t lsockI_checksize(lua_State *L, int arg, const Sock *s, int flags);
int lsockI_opensock(lua_State *L, int family, int type, int proto);
int lsockI_connectaddr(Sock *s, const Addr *a);
int lsockI_settimeout(Sock *s, double t);
/* The one "descriptor from a value" rule (select, the poller, sendfds,
** SCM_RIGHTS items); *kind (may be NULL) tells how the value can be seen
** closed later. */
enum { LSOCK_KIND_FD, LSOCK_KIND_SOCK, LSOCK_KIND_FILE, LSOCK_KIND_OBJ };
int lsockI_getfd(lua_State *L, int idx, int arg, lua_Integer entry,
                 int *kind);
void lsockI_open_socket(lua_State *L);
/* Each file's group of socket methods: called with the methods table on
** top (core.c's table of contents calls them in turn). */
void lsockI_socket_methods(lua_State *L);
void lsockI_options_methods(lua_State *L);
void lsockI_msg_methods(lua_State *L);
void lsockI_sendfile_methods(lua_State *L);
void lsockI_sigio_methods(lua_State *L);

/* options.c: setsockopt/getsockopt from one table */
void lsockI_open_options(lua_State *L);
const char *lsockI_levelbyname(const char *name, int *level);

/* names.c: services, protocols, interfaces, inet_pton/ntop, legacy IPv4;
** lsockI_buildfrom: results built from a C list only C can free
** (getaddrinfo's, if_nameindex's...), freed even when building raises. */
int lsockI_buildfrom(lua_State *L, lua_CFunction build, void *list,
                     void (*release)(void *));
void lsockI_open_names(lua_State *L);

/* options.c and mcastopt.c: the kinds of option values (the order of
** options.c's 'kinds' table; the multicast ones, from K_MREQ on, are
** encoded by mcastopt.c) and a buffer that holds any of them. */
#include <stdint.h>
#include <sys/time.h>
#include <netinet/tcp.h>

typedef enum LsockKind {
  K_BOOL, K_INT, K_TIME, K_LINGER, K_STR, K_UCRED, K_TCPINFO, K_U64,
  K_MREQ, K_MREQSRC, K_MREQ6, K_GSR, K_IF4, K_IF6, K_PMREQ
} LsockKind;

typedef union LsockOptval {
  int i;
  uint64_t u64;
  struct timeval tv;
  struct linger lg;
  char b[256];
#ifdef SO_PEERCRED
  struct ucred cred;
#endif
#ifdef TCP_INFO
  struct tcp_info tcpi;
#endif
  struct in_addr in4;
  struct ip_mreqn mreqn;
  struct ip_mreq_source mreqsrc;
  struct ipv6_mreq mreq6;
#ifdef MCAST_JOIN_SOURCE_GROUP
  struct group_source_req gsr;
#endif
} LsockOptval;

int lsockI_encodepmreq(lua_State *L, const char *option, LsockOptval *v,
                       socklen_t *len);  /* link.c */
int lsockI_encodemcast(lua_State *L, const char *option, LsockKind kind,
                       int *optname, LsockOptval *v, socklen_t *len);
void lsockI_pushin4(lua_State *L, const struct in_addr *a);

/* stream.c: the read buffer of lsock.stream (lsock.core._stream) */
void lsockI_open_stream(lua_State *L);
void lsockI_pushbuf(lua_State *L, lua_Integer maxline, double block,
                    double total);
void lsockI_bufsettimeouts(lua_State *L, int st, double block,
                           double total);
void lsockI_bufdrop(lua_State *L, int st);

/* compatobj.c: lsock.compat's connect, settimeout and close in C
** (lsock.core._compat) */
void lsockI_open_compatobj(lua_State *L);
/* cmsg.c: ancillary data.  encodecmsgs pushes one value (the buffer that
** it returns, or nil) and checks the array at arg; pushcmsgs pushes the
** array of {level, type, data} of a received message. */
void *lsockI_encodecmsgs(lua_State *L, int arg, size_t *len);
void lsockI_pushcmsgs(lua_State *L, struct msghdr *m);

/* msg.c: sendmsg/recvmsg, descriptor passing, batches, atmark */
void lsockI_open_msg(lua_State *L);

/* ifaddrs.c: lsock.getifaddrs */
void lsockI_open_ifaddrs(lua_State *L);

/* checksum.c, sigio.c: lsock.checksum, lsock.signalfd */
void lsockI_open_checksum(lua_State *L);
void lsockI_open_sigio(lua_State *L);

/* poll.c: select, the poller and sleep */
void lsockI_open_poll(lua_State *L);

/* proc.c: fork, wait and strerror */
void lsockI_open_proc(lua_State *L);

#endif
