/*
** sendmsg/recvmsg with ancillary data, descriptor passing, batched
** datagrams (sendmmsg/recvmmsg) and the out-of-band mark.  One idea: a
** received descriptor is owned by a guard userdata, made before the
** system call, until the results are built; a memory error in between
** closes it instead of leaking it.  Waits go through wait.c.
*/
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "lsock.h"

#define LSOCK_CTL  "lsock.ctl"   /* metatable of the received-control guard */

/* recvmsg's default control buffer: room for a few kinds at once. */
#define DEFAULT_ANCSIZE  1024
#define MAX_ANCSIZE      (1 << 20)
/* recvfds' default number of descriptors. */
#define DEFAULT_MAXFDS   16
/* The kernel's limit on messages per batch (UIO_MAXIOV) and iovecs. */
#define MAX_BATCH        1024
#define MAX_IOV          1024
/* A batch's receive buffers are count * size bytes: keep that sane. */
#define MAX_BATCH_BYTES  ((size_t)1 << 26)


/* The guard of a received control buffer: while 'owns' is set its
** SCM_RIGHTS descriptors belong to it, and __gc closes them. */
typedef struct Ctl {
  size_t len, cap;
  size_t nfds;   /* how many of its descriptors are still open */
  int owns;
} Ctl;

#define ctlbuf(c)  ((unsigned char *)((c) + 1))

/* Receive memory kept between calls (upvalue 2 of the methods), so a
** recvmsg or a batch of 64 datagrams allocates only what it returns: a
** luaL_Buffer above LUAL_BUFFERSIZE costs a box userdata per call, which
** doubled the cost of a small datagram (bench/RESULTS-udp.md).  'busy'
** while results are built from it: a finalizer run by the allocations
** may call us again, and then gets a buffer of its own. */
typedef struct Scratch {
  void *p;
  size_t cap;
  int busy;
} Scratch;


static ssize_t sendmsgwait(Sock *s, struct msghdr *m, int flags) {
  LsockDeadline dl = lsockI_deadline(s->timeout);
  for (;;) {
    ssize_t n = sendmsg(s->fd, m, lsockI_sysflags(s, flags));
    int err;
    if (n >= 0) return n;
    if ((err = errno) == EINTR) continue;
    if ((err = lsockI_waitretry(s, err, POLLOUT, flags, &dl)) != 0) return -err;
  }
}

static ssize_t recvmsgwait(Sock *s, struct msghdr *m, int flags) {
  LsockDeadline dl = lsockI_deadline(s->timeout);
  for (;;) {
    ssize_t n = recvmsg(s->fd, m,
                        lsockI_sysflags(s, flags) | MSG_CMSG_CLOEXEC);
    int err;
    if (n > 0 && (flags & MSG_WAITALL) && !(flags & MSG_PEEK)
        && s->type == SOCK_STREAM && s->timeout > 0
        && (size_t)n < m->msg_iov[0].iov_len)
      return (ssize_t)lsockI_waitall(s, (char *)m->msg_iov[0].iov_base,
                                     (size_t)n, m->msg_iov[0].iov_len,
                                     flags, &dl);
    if (n >= 0) return n;
    if ((err = errno) == EINTR) continue;
    err = lsockI_waitretry(s, err, lsockI_recvevents(flags), flags, &dl);
    if (err != 0) return -err;
  }
}

/* Push a sender's address; an unnamed unix peer (length 0) is the unix
** sockaddr with the empty path, as accept gives it; else nil. */
static void pushname(lua_State *L, const Sock *s, Addr *a) {
  if (a->len == 0 && s->family == AF_UNIX) {
    a->ss.ss_family = AF_UNIX;
    a->len = sizeof(sa_family_t);
  }
  if (a->len == 0) lua_pushnil(L);
  else lsockI_pushaddr(L, lsockI_sa(a), a->len);
}

/* Close the SCM_RIGHTS descriptors of a control buffer whose rank is in
** [from, to). */
static void closerights(unsigned char *buf, size_t len, size_t from,
                        size_t to) {
  struct msghdr m;
  struct cmsghdr *c;
  size_t seen = 0;
  memset(&m, 0, sizeof m);
  m.msg_control = buf;
  m.msg_controllen = len;
  for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
    size_t i, n;
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS
        || c->cmsg_len < CMSG_LEN(0))
      continue;
    n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (i = 0; i < n; i++, seen++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (seen >= from && seen < to) close(fd);
    }
  }
}

/* A guard with room for 'cap' bytes of control data (pushed). */
static Ctl *newctl(lua_State *L, size_t cap) {
  Ctl *c = (Ctl *)lua_newuserdatauv(L, sizeof(Ctl) + cap, 0);
  c->len = 0;
  c->cap = cap;
  c->nfds = (size_t)-1;
  c->owns = 0;
  luaL_setmetatable(L, LSOCK_CTL);
  return c;
}

static int ctl_gc(lua_State *L) {
  Ctl *c = (Ctl *)luaL_checkudata(L, 1, LSOCK_CTL);
  if (c->owns) closerights(ctlbuf(c), c->len, 0, c->nfds);
  c->owns = 0;
  return 0;
}

/* sendfds' argument: an array of descriptors, or one descriptor (which
** may be a table too: an object with a fileno or getfd method). */
static int isfdarray(lua_State *L, int arg) {
  int r, top = lua_gettop(L);
  if (!lua_istable(L, arg)) return 0;
  r = lua_getfield(L, arg, "fileno") == LUA_TNIL
      && lua_getfield(L, arg, "getfd") == LUA_TNIL;
  lua_settop(L, top);
  return r;
}

/* 'size' bytes of scratch; when it is busy, a temporary userdata that
** is pushed (so callers leave one more value on the stack, harmlessly). */
static void *scratch(lua_State *L, size_t size, Scratch **owner) {
  Scratch *sc = (Scratch *)lua_touserdata(L, lua_upvalueindex(2));
  *owner = NULL;
  if (sc->busy) return lua_newuserdatauv(L, size ? size : 1, 0);
  if (sc->cap < size) {
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    void *p = f(ud, sc->p, sc->cap, size);
    if (p == NULL) luaL_error(L, "not enough memory");
    sc->p = p;
    sc->cap = size;
  }
  *owner = sc;
  return sc->p;
}

static void setbusy(Scratch *sc, int busy) {
  if (sc) sc->busy = busy;
}

static int scratch_gc(lua_State *L) {
  Scratch *sc = (Scratch *)lua_touserdata(L, 1);
  void *ud;
  lua_Alloc f = lua_getallocf(L, &ud);
  if (sc->p) f(ud, sc->p, sc->cap, 0);
  sc->p = NULL;
  sc->cap = 0;
  return 0;
}


/* sendmsg / recvmsg ----------------------------------------------------- */

/*** Send buffers and ancillary data as one message.
@function socket:sendmsg
@tparam string|{string,...} buffers sent without concatenation (at most 1024)
@tparam[opt] table ancillary array of {level, type, data}
@tparam[opt] string|int flags
@tparam[opt] sockaddr|string addr destination (nil: the connected peer)
@treturn int bytes sent
@return[2] nil, msg, errno
@usage s:sendmsg({"head", "body"}, {{"socket", "rights", {fd}}})
@see sendmsg(2)
*/
/* sendmsg(buffers [, ancillary [, flags [, addr]]]) -> bytes sent */
static int meth_sendmsg(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  struct iovec small[16], *iov = small;
  struct msghdr m;
  Addr a;
  size_t clen;
  void *ctl;
  int flags, nargs, r;
  ssize_t n;
  memset(&m, 0, sizeof m);
  lua_settop(L, 6);  /* addr may be host, port: what we push goes above */
  /* Ancillary data first: its tables may run metamethods, and nothing
  ** may run Lua code once the iovecs point into the buffer strings. */
  ctl = lsockI_encodecmsgs(L, 3, &clen);
  flags = lsockI_checkflags(L, 4, 0) | MSG_NOSIGNAL;
  if (!lua_isnoneornil(L, 5)) {
    if ((r = lsockI_getaddr(L, 5, s, &a, &nargs)) != 0) return r;
    m.msg_name = &a.ss;
    m.msg_namelen = a.len;
  }
  if (lua_type(L, 2) == LUA_TSTRING) {
    iov[0].iov_base = (void *)(uintptr_t)lua_tolstring(L, 2, &iov[0].iov_len);
    m.msg_iovlen = 1;
  } else {
    lua_Integer i, cnt;
    luaL_argexpected(L, lua_istable(L, 2), 2, "string or array of strings");
    cnt = (lua_Integer)lua_rawlen(L, 2);
    luaL_argcheck(L, cnt <= MAX_IOV, 2, "too many buffers");
    if (cnt > 16)
      iov = (struct iovec *)lua_newuserdatauv(L, (size_t)cnt * sizeof *iov,
                                              0);
    for (i = 0; i < cnt; i++) {
      /* the array keeps each string alive: the pointer stays valid */
      if (lua_rawgeti(L, 2, i + 1) != LUA_TSTRING)
        luaL_argerror(L, 2, "array of strings expected");
      iov[i].iov_base = (void *)(uintptr_t)lua_tolstring(L, -1,
                                                        &iov[i].iov_len);
      lua_pop(L, 1);
    }
    m.msg_iovlen = (size_t)cnt;
  }
  m.msg_iov = iov;
  m.msg_control = ctl;
  m.msg_controllen = clen;
  n = sendmsgwait(s, &m, flags);
  if (n < 0) return lsockI_pusherr(L, (int)-n);
  lua_pushinteger(L, n);
  return 1;
}

/*** Receive data, ancillary data, flags and sender.
@function socket:recvmsg
@tparam int n the most bytes
@tparam[opt] int ancsize control buffer in bytes (default 1024)
@tparam[opt] string|int flags "peek", "errqueue", "waitall"...
@treturn string data
@treturn table ancillary items {level, type, data}, decoded when known
@treturn int msg_flags (MSG_TRUNC, MSG_CTRUNC)
@treturn sockaddr|nil sender
@return[2] nil, msg, errno
@see recvmsg(2)
@usage local data, anc, flags, from = s:recvmsg(1500)
*/
/* recvmsg(n [, ancsize [, flags]]) -> data, ancillary, msg flags, sender */
static int meth_recvmsg(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  lua_Integer anc = luaL_optinteger(L, 3, DEFAULT_ANCSIZE);
  int flags = lsockI_checkflags(L, 4, 0);
  size_t size = lsockI_checksize(L, 2, s, flags);
  struct msghdr m;
  struct iovec iov;
  Scratch *sc;
  Ctl *ctl;
  Addr a;
  ssize_t n;
  luaL_argcheck(L, anc >= 0 && anc <= MAX_ANCSIZE, 3, "out of range");
  ctl = newctl(L, (size_t)anc);
  iov.iov_base = scratch(L, size, &sc);
  iov.iov_len = size;
  /* TCP discards the bytes of a MSG_TRUNC read without storing them. */
  if ((flags & MSG_TRUNC) && s->type == SOCK_STREAM)
    memset(iov.iov_base, 0, size);
  memset(&m, 0, sizeof m);
  memset(&a, 0, sizeof a);
  m.msg_name = &a.ss;
  m.msg_namelen = sizeof a.ss;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = anc > 0 ? ctlbuf(ctl) : NULL;
  m.msg_controllen = (size_t)anc;
  n = recvmsgwait(s, &m, flags);
  if (n < 0) return lsockI_pusherr(L, (int)-n);
  ctl->len = m.msg_controllen;
  ctl->owns = 1;  /* from here a raised error closes the descriptors */
  a.len = m.msg_namelen;
  /* With MSG_TRUNC a datagram's real length may exceed the buffer.  The
  ** bytes are copied before anything else can run. */
  lua_pushlstring(L, (const char *)iov.iov_base,
                  (size_t)n > size ? size : (size_t)n);
  lsockI_pushcmsgs(L, &m);
  lua_pushinteger(L, m.msg_flags & ~MSG_CMSG_CLOEXEC);
  pushname(L, s, &a);
  ctl->owns = 0;  /* the caller has them now */
  return 4;
}

/*** Send descriptors (SCM_RIGHTS) with some data over a unix socket.
@function socket:sendfds
@tparam string data at least one byte on a stream socket
@tparam int|socket|file|table fds one, or an array of them
@tparam[opt] string|int flags
@treturn int bytes sent
@return[2] nil, msg, errno
@usage parent:sendfds("x", conn)
@see unix(7)
*/
/* sendfds(data, fds [, flags]) -> bytes sent.  fds is an array of
** descriptors, sockets or files, or one of them. */
static int meth_sendfds(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  size_t len, cnt, i, space;
  int one;
  const char *data = luaL_checklstring(L, 2, &len);
  int flags = lsockI_checkflags(L, 4, 0) | MSG_NOSIGNAL;
  lua_settop(L, 4);
  struct msghdr m;
  struct iovec iov;
  struct cmsghdr *c;
  unsigned char *buf;
  ssize_t n;
  one = !isfdarray(L, 3);
  cnt = one ? 1 : lua_rawlen(L, 3);
  luaL_argcheck(L, cnt >= 1 && cnt <= 253, 3,
                "1 to 253 descriptors expected");  /* SCM_MAX_FD */
  space = CMSG_SPACE(cnt * sizeof(int));
  buf = (unsigned char *)lua_newuserdatauv(L, space, 0);
  memset(buf, 0, space);
  c = (struct cmsghdr *)(void *)buf;
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(cnt * sizeof(int));
  if (one) {
    int fd = lsockI_getfd(L, 3, 3, 0, NULL);
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  } else {
    for (i = 0; i < cnt; i++) {
      int fd;
      lua_rawgeti(L, 3, (lua_Integer)i + 1);
      fd = lsockI_getfd(L, -1, 3, (lua_Integer)i + 1, NULL);
      memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof fd);
      lua_pop(L, 1);
    }
  }
  iov.iov_base = (void *)(uintptr_t)data;
  iov.iov_len = len;
  memset(&m, 0, sizeof m);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = buf;
  m.msg_controllen = space;
  n = sendmsgwait(s, &m, flags);
  if (n < 0) return lsockI_pusherr(L, (int)-n);
  lua_pushinteger(L, n);
  return 1;
}

/*** Receive data and descriptors; those beyond maxfds are closed, never
  leaked.
@function socket:recvfds
@tparam int n the most bytes
@tparam[opt] int maxfds default 16
@tparam[opt] string|int flags
@treturn string data
@treturn {int,...} descriptors, close-on-exec, yours (lsock.fromfd,
  lsock.close)
@treturn int msg_flags
@return[2] nil, msg, errno
@see unix(7)
@usage local data, fds = ctl:recvfds(100); local c = lsock.fromfd(fds[1])
*/
/* recvfds(n [, maxfds [, flags]]) -> data, array of descriptors, msg
** flags.  Descriptors beyond maxfds are closed, never leaked. */
static int meth_recvfds(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  lua_Integer maxfds = luaL_optinteger(L, 3, DEFAULT_MAXFDS);
  int flags = lsockI_checkflags(L, 4, 0);
  size_t size = lsockI_checksize(L, 2, s, flags), anc;
  struct msghdr m;
  struct iovec iov;
  struct cmsghdr *c;
  lua_Integer got = 0;
  Scratch *sc;
  Ctl *ctl;
  ssize_t n;
  luaL_argcheck(L, maxfds >= 0 && maxfds <= 253, 3, "out of range");
  /* room for credentials too, should SO_PASSCRED be on */
  anc = CMSG_SPACE((size_t)maxfds * sizeof(int))
        + CMSG_SPACE(sizeof(struct ucred));
  ctl = newctl(L, anc);
  iov.iov_base = scratch(L, size, &sc);
  iov.iov_len = size;
  memset(&m, 0, sizeof m);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctlbuf(ctl);
  m.msg_controllen = anc;
  n = recvmsgwait(s, &m, flags);
  if (n < 0) return lsockI_pusherr(L, (int)-n);
  ctl->len = m.msg_controllen;
  /* The buffer's alignment padding can admit more than maxfds: those
  ** are closed now, the rest are guarded until handed over. */
  closerights(ctlbuf(ctl), ctl->len, (size_t)maxfds, (size_t)-1);
  ctl->nfds = (size_t)maxfds;
  ctl->owns = 1;
  lua_pushlstring(L, (const char *)iov.iov_base,
                  (size_t)n > size ? size : (size_t)n);
  lua_createtable(L, 1, 0);
  for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
    size_t i, k;
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS
        || c->cmsg_len < CMSG_LEN(0))
      continue;
    k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (i = 0; i < k && got < maxfds; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      lua_pushinteger(L, fd);
      lua_rawseti(L, -2, ++got);
    }
  }
  lua_pushinteger(L, m.msg_flags & ~MSG_CMSG_CLOEXEC);
  ctl->owns = 0;
  (void)sc;
  return 3;
}


/* Batches --------------------------------------------------------------- */

/* The address of one datagram in sendmmsg's array at arg, on top. */
static void batchaddr(lua_State *L, int arg, const Sock *s, Addr *a) {
  int nargs;
  if (lsockI_testaddr(L, -1) == NULL
      && !(s->family == AF_UNIX && lua_type(L, -1) == LUA_TSTRING))
    luaL_argerror(L, arg, "array of sockaddr expected");
  lsockI_getaddr(L, lua_gettop(L), s, a, &nargs);
}

/*** Send many datagrams in one system call (Linux).
@function socket:sendmmsg
@tparam {string,...} datas one datagram each
@tparam[opt] sockaddr|table addr one destination (or host, port), or an array
  of sockaddrs
@tparam[opt] string|int flags
@treturn int datagrams sent
@return[2] nil, msg, errno
@see sendmmsg(2)
@usage s:sendmmsg({"one", "two", "three"}, "127.0.0.1", 9999)
*/
/* sendmmsg(array_of_data [, addr_or_array [, flags]]) -> datagrams sent.
** addr is one sockaddr (or host, port) for all, or an array of them. */
static int meth_sendmmsg(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  lua_Integer cnt, i;
  int perdgram = 0, flags, nargs = 1, r, sent = 0;
  struct mmsghdr *msgs;
  struct iovec *iov;
  Addr *addrs, one;
  Scratch *sc;
  LsockDeadline dl = lsockI_deadline(s->timeout);
  luaL_checktype(L, 2, LUA_TTABLE);
  cnt = (lua_Integer)lua_rawlen(L, 2);
  luaL_argcheck(L, cnt <= MAX_BATCH, 2, "too many datagrams");
  if (lua_istable(L, 3) && !lsockI_testaddr(L, 3)) {
    perdgram = 1;
    luaL_argcheck(L, (lua_Integer)lua_rawlen(L, 3) == cnt, 3,
                  "one address per datagram expected");
  } else if (!lua_isnoneornil(L, 3)) {
    if ((r = lsockI_getaddr(L, 3, s, &one, &nargs)) != 0) return r;
  }
  flags = lsockI_checkflags(L, 3 + nargs, 0) | MSG_NOSIGNAL;
  if (cnt == 0) {  /* nothing to send; and no scratch to memset */
    lua_pushinteger(L, 0);
    return 1;
  }
  lua_settop(L, 3 + nargs);  /* scratch may push */
  msgs = (struct mmsghdr *)scratch(L, (size_t)cnt * (sizeof *msgs
                                   + sizeof *iov + sizeof *addrs), &sc);
  iov = (struct iovec *)(msgs + cnt);
  addrs = (Addr *)(iov + cnt);
  memset(msgs, 0, (size_t)cnt * sizeof *msgs);
  for (i = 0; i < cnt; i++) {
    struct msghdr *m = &msgs[i].msg_hdr;
    if (lua_rawgeti(L, 2, i + 1) != LUA_TSTRING)
      luaL_argerror(L, 2, "array of strings expected");
    iov[i].iov_base = (void *)(uintptr_t)lua_tolstring(L, -1, &iov[i].iov_len);
    lua_pop(L, 1);  /* the array keeps it alive */
    m->msg_iov = &iov[i];
    m->msg_iovlen = 1;
    if (perdgram) {
      lua_rawgeti(L, 3, i + 1);
      batchaddr(L, 3, s, &addrs[i]);
      lua_pop(L, 1);
      m->msg_name = &addrs[i].ss;
      m->msg_namelen = addrs[i].len;
    } else if (!lua_isnoneornil(L, 3)) {
      m->msg_name = &one.ss;
      m->msg_namelen = one.len;
    }
  }
  while (sent < cnt) {
    int err;
    r = sendmmsg(s->fd, msgs + sent, (unsigned)(cnt - sent),
                 lsockI_sysflags(s, flags));
    if (r > 0) {
      sent += r;
      continue;
    }
    if ((err = errno) == EINTR) continue;
    /* A later call reports the error; what went out is the result. */
    if (sent > 0) break;
    if ((err = lsockI_waitretry(s, err, POLLOUT, flags, &dl)) != 0)
      return lsockI_pusherr(L, err);
  }
  lua_pushinteger(L, sent);
  return 1;
}

/*** Receive up to count datagrams in one system call (Linux).
@function socket:recvmmsg
@tparam int count the most datagrams
@tparam int n the most bytes of each
@tparam[opt] string|int flags
@treturn {string,...} datas
@treturn {sockaddr,...} senders
@return[2] nil, msg, errno
@usage local datas, froms = s:recvmmsg(64, 1500)
@see recvmmsg(2)
*/
/* recvmmsg(count, n [, flags]) -> array of data, array of senders.
** Waits for the first datagram only (MSG_WAITFORONE), then takes what
** is queued, up to count.  Datagrams from the same sender in a row
** share one sockaddr value (they are immutable). */
static int meth_recvmmsg(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  lua_Integer cnt = luaL_checkinteger(L, 2);
  lua_Integer n = luaL_checkinteger(L, 3);
  int flags = lsockI_checkflags(L, 4, 0), r, i, prev = -1;
  struct mmsghdr *msgs;
  struct iovec *iov;
  struct sockaddr_storage *names;
  char *data;
  Scratch *sc;
  LsockDeadline dl = lsockI_deadline(s->timeout);
  luaL_argcheck(L, cnt >= 1 && cnt <= MAX_BATCH, 2, "count out of range");
  /* divide, not multiply: a huge n times cnt wraps round to a small size */
  luaL_argcheck(L, n >= 0 && (size_t)n <= MAX_BATCH_BYTES / (size_t)cnt, 3,
                "size out of range");
  msgs = (struct mmsghdr *)scratch(L, (size_t)cnt * (sizeof *msgs
                                   + sizeof *iov + sizeof *names
                                   + (size_t)n), &sc);
  iov = (struct iovec *)(msgs + cnt);
  names = (struct sockaddr_storage *)(iov + cnt);
  data = (char *)(names + cnt);
  for (i = 0; i < cnt; i++) {
    struct msghdr *m = &msgs[i].msg_hdr;
    iov[i].iov_base = data + (size_t)i * (size_t)n;
    iov[i].iov_len = (size_t)n;
    m->msg_name = &names[i];
    m->msg_namelen = sizeof names[i];
    m->msg_iov = &iov[i];
    m->msg_iovlen = 1;
    m->msg_control = NULL;
    m->msg_controllen = 0;
    m->msg_flags = 0;
  }
  for (;;) {
    int err;
    r = recvmmsg(s->fd, msgs, (unsigned)cnt,
                 lsockI_sysflags(s, flags) | MSG_WAITFORONE, NULL);
    if (r >= 0) break;
    if ((err = errno) == EINTR) continue;
    err = lsockI_waitretry(s, err, lsockI_recvevents(flags), flags, &dl);
    if (err != 0) return lsockI_pusherr(L, err);
  }
  setbusy(sc, 1);  /* until the last datagram is copied out */
  lua_createtable(L, r, 0);  /* data */
  lua_createtable(L, r, 0);  /* senders */
  lua_pushnil(L);            /* the last sender pushed */
  for (i = 0; i < r; i++) {
    struct msghdr *m = &msgs[i].msg_hdr;
    size_t len = msgs[i].msg_len;
    lua_pushlstring(L, (const char *)iov[i].iov_base,
                    len > (size_t)n ? (size_t)n : len);
    lua_rawseti(L, -4, i + 1);
    if (m->msg_namelen == 0 && s->family != AF_UNIX)
      lua_pushboolean(L, 0);  /* keep the array without holes */
    else {
      if (prev < 0 || m->msg_namelen != msgs[prev].msg_hdr.msg_namelen
          || memcmp(&names[i], &names[prev], m->msg_namelen) != 0) {
        Addr a;
        a.len = m->msg_namelen;
        memcpy(&a.ss, &names[i], a.len);
        pushname(L, s, &a);
        lua_replace(L, -2);
        prev = i;
      }
      lua_pushvalue(L, -1);
    }
    lua_rawseti(L, -3, i + 1);
  }
  setbusy(sc, 0);
  lua_pop(L, 1);
  return 2;
}


/* Out-of-band data ------------------------------------------------------ */

/*** Whether the next byte to read is the urgent (out-of-band) one.
@function socket:atmark
@treturn boolean
@return[2] nil, msg, errno
@see sockatmark(3)
@usage if s:atmark() then local urgent = s:recv(1, "oob") end
*/
/* atmark() -> whether the next byte to read is the urgent one */
static int meth_atmark(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  int r = sockatmark(s->fd);
  if (r == -1) return lsockI_fail(L, errno);
  lua_pushboolean(L, r);
  return 1;
}


/* Registration ------------------------------------------------------------ */

static const luaL_Reg methods[] = {
  {"sendmsg", meth_sendmsg},
  {"recvmsg", meth_recvmsg},
  {"sendfds", meth_sendfds},
  {"recvfds", meth_recvfds},
  {"sendmmsg", meth_sendmmsg},
  {"recvmmsg", meth_recvmmsg},
  {"atmark", meth_atmark},
  {NULL, NULL}
};

/* Called with the module table on top: the guard's metatable. */
void lsockI_open_msg(lua_State *L) {
  luaL_newmetatable(L, LSOCK_CTL);
  lua_pushcfunction(L, ctl_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
}

/* The methods table on top: adds the methods, each with upvalue 1 the
** socket metatable (lsockI_checksock) and 2 the scratch memory. */
void lsockI_msg_methods(lua_State *L) {
  Scratch *sc;
  luaL_getmetatable(L, LSOCK_SOCKET);
  sc = (Scratch *)lua_newuserdatauv(L, sizeof *sc, 0);
  sc->p = NULL;
  sc->cap = 0;
  sc->busy = 0;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, scratch_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  luaL_setfuncs(L, methods, 2);
}
