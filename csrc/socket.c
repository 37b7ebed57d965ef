/*
** The socket userdata and its data path.  One idea: the C calls are the
** system calls, retried on EINTR; a socket with a timeout is O_NONBLOCK
** underneath, tries the call first and only on EAGAIN asks the wait
** engine (wait.c) to wait for what is left of its deadline, so a ready
** socket costs one system call.
*/
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lsock.h"

/*** A socket: the object lsock.socket, socketpair, fromfd, accept and
the helper modules return.  Its methods return nil, msg, errno on failure
(msg a string, errno an integer, named by lsock.errno) and raise only for
bad arguments; it closes itself when collected, and works with `<close>`.
@type socket
@usage local s <close> = assert(lsock.socket("inet", "stream"))
lsock.help(s)  -- its methods
*/

/* A stream recv returns what is there; buffers above this are not worth
** allocating for one call.  Datagrams get the size asked for. */
#define STREAM_RECV_MAX  (1 << 20)

/* recv and recvfrom receive into one buffer of this size per Lua state
** (their upvalue 2) and copy what came into the result string.  The
** alternative, a luaL_Buffer, costs a box userdata, a registry look-up,
** a malloc and a free on every call asking for more than LUAL_BUFFERSIZE
** bytes (1 KiB), which was half the user time of a UDP ping-pong.
** Sharing is safe: no Lua code runs between the system call and the
** copy.  Larger requests still use a luaL_Buffer. */
#define SCRATCH_SIZE  65536

#define isagain(e)  ((e) == EAGAIN || (e) == EWOULDBLOCK)


/* Helpers ------------------------------------------------------------- */

static int setnonblock(int fd, int on) {
  int fl = fcntl(fd, F_GETFL);
  if (fl == -1) return errno;
  if (((fl & O_NONBLOCK) != 0) == on) return 0;
  fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
  return fcntl(fd, F_SETFL, fl) == -1 ? errno : 0;
}

static int closefd(Sock *s) {
  int fd = s->fd, r;
  if (fd < 0) return 0;
  s->fd = -1;
  r = close(fd);
  /* On Linux the descriptor is gone even after EINTR: never retry. */
  return (r == -1 && errno != EINTR) ? errno : 0;
}

/* Flags are seldom given: an absent argument costs no call. */
static int optflags(lua_State *L, int arg) {
  return lua_gettop(L) < arg ? 0 : lsockI_checkflags(L, arg, 0);
}

/* i, j of string.sub applied to a length: the byte range [*start, *end). */
static void subrange(lua_State *L, int ai, size_t len, size_t *start,
                     size_t *end) {
  lua_Integer i, j, l = (lua_Integer)len;
  if (lua_isnoneornil(L, ai) && lua_isnoneornil(L, ai + 1)) {
    /* the common case: the whole string */
    *start = 0;
    *end = len;
    return;
  }
  i = luaL_optinteger(L, ai, 1);
  j = luaL_optinteger(L, ai + 1, -1);
  if (i < 0) i = i < -l ? 1 : l + i + 1;
  else if (i == 0) i = 1;
  if (j < 0) j = j < -l ? 0 : l + j + 1;
  else if (j > l) j = l;
  if (i > j) { *start = *end = 0; return; }
  *start = (size_t)(i - 1);
  *end = (size_t)j;
}


/* The userdata ------------------------------------------------------------ */

/* A new socket userdata, closed until the caller stores its descriptor:
** make it before the system call that opens one, so that a memory error
** can never leak the descriptor. */
static Sock *newsock(lua_State *L, int family, int type, int protocol,
                     double timeout) {
  Sock *s = (Sock *)lua_newuserdatauv(L, sizeof(Sock), 0);
  s->fd = -1;
  s->family = family;
  s->type = type;
  s->protocol = protocol;
  s->timeout = timeout;
  luaL_setmetatable(L, LSOCK_SOCKET);
  return s;
}

Sock *lsockI_pushsock(lua_State *L, int fd, int family, int type,
                      int protocol, double timeout) {
  Sock *s = newsock(L, family, type, protocol, timeout);
  s->fd = fd;
  return s;
}

Sock *lsockI_testsock(lua_State *L, int arg) {
  return (Sock *)luaL_testudata(L, arg, LSOCK_SOCKET);
}

/* For functions whose upvalue 1 is the socket metatable (methods
** registered with lsockI_addmethods, and the metamethods): type checking
** is a pointer compare, not a registry look-up. */
static LSOCK_NORETURN void notsock(lua_State *L, int arg, int closed) {
  if (closed) luaL_argerror(L, arg, "attempt to use a closed socket");
  luaL_typeerror(L, arg, LSOCK_SOCKET);
  abort();  /* not reached: both raise */
}

static Sock *tosock(lua_State *L, int arg) {
  Sock *s = (Sock *)lua_touserdata(L, arg);
  int ok = s != NULL && lua_getmetatable(L, arg);
  if (ok) {  /* two tables: the same one when their addresses are */
    ok = lua_topointer(L, -1) == lua_topointer(L, lua_upvalueindex(1));
    lua_pop(L, 1);
  }
  if (!ok) notsock(L, arg, 0);
  return s;
}

Sock *lsockI_checksock(lua_State *L, int arg) {
  Sock *s = tosock(L, arg);
  if (s->fd < 0) notsock(L, arg, 1);
  return s;
}

/* Any socket, open or closed (close, tostring and __gc take both). */
static Sock *anysock(lua_State *L) {
  return tosock(L, 1);
}

/* Raises "bad argument #arg (entry N: msg)" for table entries (entry >
** 0) or "bad argument #arg (msg)". */
static int badentry(lua_State *L, int arg, lua_Integer entry,
                    const char *msg) {
  if (entry > 0) msg = lua_pushfstring(L, "entry %I: %s", entry, msg);
  return luaL_argerror(L, arg, msg);
}

/* The one "descriptor from a value" rule of the library (select, the
** poller, sendfds, SCM_RIGHTS items): an integer, a socket, a Lua file,
** or an object (table or userdata with an __index) with a fileno method
** or, as LuaSocket and LuaSec objects have, a getfd method.  Misuse
** raises "bad argument #arg (msg)", or "(entry N: msg)" for entry > 0.
** *kind (may be NULL) tells how the value can be seen closed later. */
int lsockI_getfd(lua_State *L, int idx, int arg, lua_Integer entry,
                 int *kind) {
  static const char *const methods[] = {"fileno", "getfd"};
  Sock *s;
  luaL_Stream *f;
  lua_Integer n;
  int isnum, t, m, dummy, top = lua_gettop(L);
  if (kind == NULL) kind = &dummy;
  idx = lua_absindex(L, idx);
  t = lua_type(L, idx);
  if (t == LUA_TNUMBER) {
    n = lua_tointegerx(L, idx, &isnum);
    *kind = LSOCK_KIND_FD;
    if (!isnum || n < 0 || n > INT_MAX)
      return badentry(L, arg, entry, "invalid descriptor");
    return (int)n;
  }
  if ((s = lsockI_testsock(L, idx)) != NULL) {
    *kind = LSOCK_KIND_SOCK;
    if (s->fd < 0)
      return badentry(L, arg, entry, "attempt to use a closed socket");
    return s->fd;
  }
  if ((f = (luaL_Stream *)luaL_testudata(L, idx, LUA_FILEHANDLE)) != NULL) {
    *kind = LSOCK_KIND_FILE;
    if (f->closef == NULL)
      return badentry(L, arg, entry, "attempt to use a closed file");
    return fileno(f->f);
  }
  *kind = LSOCK_KIND_OBJ;
  /* Only tables and userdata with an __index can have such a method:
  ** indexing anything else would raise a less helpful error. */
  if (t == LUA_TTABLE || (t == LUA_TUSERDATA
      && luaL_getmetafield(L, idx, "__index") != LUA_TNIL)) {
    for (m = 0; m < 2; m++) {
      lua_settop(L, top);
      if (lua_getfield(L, idx, methods[m]) == LUA_TNIL) continue;
      lua_pushvalue(L, idx);
      lua_call(L, 1, 1);
      n = lua_tointegerx(L, -1, &isnum);
      lua_settop(L, top);
      if (!isnum || n < 0 || n > INT_MAX)
        return badentry(L, arg, entry, lua_pushfstring(L,
                        "%s() gave no descriptor", methods[m]));
      return (int)n;
    }
  }
  lua_settop(L, top);
  return badentry(L, arg, entry, lua_pushfstring(L, "socket, file, "
                  "descriptor or object with fileno expected, got %s",
                  luaL_typename(L, idx)));
}


/* Module functions -------------------------------------------------------- */

/*** Open a socket.
@function socket
@tparam string|int family "inet", "inet6", "unix" or an AF_ number
@tparam string|int type "stream", "dgram", "raw", "seqpacket" or a SOCK_ number
@tparam[opt] string|int protocol "tcp", "udp", "icmp", any /etc/protocols name,
  or a number (default 0)
@treturn socket the new socket (blocking, close-on-exec)
@return[2] nil, msg, errno
@usage local s = assert(lsock.socket("inet", "stream"))
@see socket(2)
*/
/* Pushes a new socket userdata and opens its descriptor: 0, or the errno
** of socket(2) (the userdata then stays closed).  A type or'ed with
** SOCK_NONBLOCK makes a non-blocking socket; the flags are not part of
** the type that type() reports. */
int lsockI_opensock(lua_State *L, int family, int type, int proto) {
  Sock *s = newsock(L, family, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC),
                    proto, (type & SOCK_NONBLOCK) ? 0 : -1);
  int fd = socket(family, type | SOCK_CLOEXEC,
                  lsockI_sysproto(family, proto));
  if (fd == -1) return errno;
  lsockC_setupfd(fd);
  s->fd = fd;
  return 0;
}

/* lsock.socket(family, type [, protocol]) */
static int lsock_socket(lua_State *L) {
  int family = lsockI_checkfamily(L, 1, -1);
  int type = lsockI_checktype(L, 2, -1);
  int proto = lsockI_checkfamproto(L, 3, family);
  int err = lsockI_opensock(L, family, type, proto);
  return err ? lsockI_fail(L, err) : 1;
}

/*** Two connected sockets.
@function socketpair
@tparam[opt] string|int family default "unix"
@tparam[opt] string|int type default "stream"
@tparam[opt] string|int protocol default 0
@treturn socket,socket both ends
@return[2] nil, msg, errno
@usage local a, b = lsock.socketpair("unix", "dgram")
@see socketpair(2)
*/
/* lsock.socketpair(family, type [, protocol]) */
static int lsock_socketpair(lua_State *L) {
  int family = lsockI_checkfamily(L, 1, AF_UNIX);
  int type = lsockI_checktype(L, 2, SOCK_STREAM);
  int proto = lsockI_checkprotocol(L, 3, 0);
  int plain = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  double timeout = (type & SOCK_NONBLOCK) ? 0 : -1;
  Sock *a = newsock(L, family, plain, proto, timeout);
  Sock *b = newsock(L, family, plain, proto, timeout);
  int sv[2];
  if (socketpair(family, type | SOCK_CLOEXEC, proto, sv) == -1)
    return lsockI_fail(L, errno);
  lsockC_setupfd(sv[0]);
  lsockC_setupfd(sv[1]);
  a->fd = sv[0];
  b->fd = sv[1];
  return 2;
}

static int sockint(int fd, int opt, int *out) {
  socklen_t len = sizeof *out;
  return getsockopt(fd, SOL_SOCKET, opt, out, &len) == -1 ? errno : 0;
}

/*** Wrap an open socket descriptor; the socket owns it from now on.
@function fromfd
@tparam int fd a socket descriptor (from recvfds, inetd, systemd)
@treturn socket family, type and protocol read from the descriptor
@return[2] nil, msg, errno (ENOTSOCK for a file)
@usage local s = lsock.fromfd(fds[1])
@see getsockopt(2)
*/
/* lsock.fromfd(fd): wrap (and own) an open socket descriptor. */
static int lsock_fromfd(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  int fd, family = AF_UNSPEC, type = 0, proto = 0, fl, err = 0;
  struct stat st;
  luaL_argcheck(L, n >= 0 && n <= INT_MAX, 1, "invalid descriptor");
  fd = (int)n;
  if (fstat(fd, &st) == -1) return lsockI_fail(L, errno);
  if (!S_ISSOCK(st.st_mode)) return lsockI_fail(L, ENOTSOCK);
  err = lsockC_sockdomain(fd, &family, &proto);
  if (!err) err = sockint(fd, SO_TYPE, &type);
  if (err) return lsockI_fail(L, err);
  if ((fl = fcntl(fd, F_GETFL)) == -1) return lsockI_fail(L, errno);
  lsockI_pushsock(L, fd, family, type, proto, (fl & O_NONBLOCK) ? 0 : -1);
  return 1;
}


/* Methods: set-up --------------------------------------------------------- */

/*** Give the socket a local address.
@function socket:bind
@tparam sockaddr|string addr a sockaddr, a host ("*" is the wildcard) or a unix
  path
@tparam[opt] int port with a host
@treturn true
@return[2] nil, msg, errno (EADDRINUSE, EACCES...)
@usage assert(s:bind("127.0.0.1", 0)); print(s:getsockname())
@see bind(2)
*/
static int meth_bind(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  Addr a;
  int n, r;
  if ((r = lsockI_getaddr(L, 2, s, &a, &n)) != 0) return r;
  if (bind(s->fd, lsockI_sa(&a), a.len) == -1) return lsockI_fail(L, errno);
  return lsockI_pushtrue(L);
}

/*** Accept connections on a stream socket.
@function socket:listen
@tparam[opt] int backlog default SOMAXCONN
@treturn true
@return[2] nil, msg, errno
@usage assert(s:listen())
@see listen(2)
*/
static int meth_listen(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  lua_Integer backlog = luaL_optinteger(L, 2, SOMAXCONN);
  luaL_argcheck(L, backlog >= 0 && backlog <= INT_MAX, 2, "out of range");
  if (listen(s->fd, (int)backlog) == -1) return lsockI_fail(L, errno);
  return lsockI_pushtrue(L);
}

/* The outcome of a connect that is under way: SO_ERROR once writable. */
static int finishconnect(Sock *s, LsockDeadline *dl) {
  int err = lsockI_waitfd(s->fd, POLLOUT, dl);
  if (err) return err;
  return sockint(s->fd, SO_ERROR, &err) ? errno : err;
}

/*** Connect to a peer; with a timeout the whole connect is bounded.
@function socket:connect
@tparam sockaddr|string addr a sockaddr, a host (resolved in the socket's
  family) or a unix path
@tparam[opt] int port with a host
@treturn true
@return[2] nil, msg, errno (ECONNREFUSED; EINPROGRESS when non-blocking;
  "timeout", ETIMEDOUT)
@usage assert(s:connect("127.0.0.1", 8080))
@see connect(2)
*/
/* Connects s to a, waiting as its timeout says: 0 or the errno. */
int lsockI_connectaddr(Sock *s, const Addr *a) {
  LsockDeadline dl = lsockI_deadline(s->timeout > 0 ? s->timeout : -1);
  int n, err;
  if ((err = lsockI_nonblocking(s)) != 0) return err;
  for (;;) {
    if (connect(s->fd, (const struct sockaddr *)&a->ss, a->len) == 0)
      return 0;
    err = errno;
    if (err == EINTR) {
      /* The connection goes on in the background: it must be finished
      ** by waiting for it, never by calling connect again. */
      err = finishconnect(s, &dl);
      break;
    }
    if (err == EINPROGRESS) {
      /* The wait engine's rule, as for EAGAIN: a non-blocking socket
      ** reports it; a blocking one whose shared file a dup made
      ** O_NONBLOCK waits as the kernel would have. */
      if ((err = lsockI_waitretry(s, EAGAIN, POLLOUT, 0, &dl)) == 0)
        err = sockint(s->fd, SO_ERROR, &err) ? errno : err;
      else if (err == EAGAIN) err = EINPROGRESS;
      break;
    }
    if (!isagain(err) || s->timeout <= 0) break;
    /* A unix listener with a full backlog: connect said EAGAIN and poll
    ** cannot tell when room appears, so retry every few milliseconds. */
    if ((n = lsockI_msleft(&dl)) == 0) { err = ETIMEDOUT; break; }
    poll(NULL, 0, n < 5 ? n : 5);
  }
  return err;
}

static int meth_connect(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  Addr a;
  int n, err;
  if ((err = lsockI_getaddr(L, 2, s, &a, &n)) != 0) return err;
  err = lsockI_connectaddr(s, &a);
  return err ? lsockI_pusherr(L, err) : lsockI_pushtrue(L);
}

/*** Take the next connection of a listening socket.
@function socket:accept
@treturn socket the connected socket (it inherits the listener's timeout)
@treturn sockaddr the peer (an unnamed unix peer has path "")
@return[2] nil, msg, errno ("timeout", ETIMEDOUT; EAGAIN when non-blocking)
@usage local c, peer = assert(srv:accept())
@see accept4(2)
*/
static int meth_accept(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  Addr a;
  int fd, err;
  LsockDeadline dl = lsockI_deadline(s->timeout);
  int flags = SOCK_CLOEXEC | (s->timeout >= 0 ? SOCK_NONBLOCK : 0);
  /* The new socket inherits the listener's timeout (and so its mode). */
  Sock *c = newsock(L, s->family, s->type, s->protocol, s->timeout);
  if ((err = lsockI_nonblocking(s)) != 0) return lsockI_fail(L, err);
  for (;;) {
    a.len = sizeof a.ss;
    fd = accept4(s->fd, lsockI_sa(&a), &a.len, flags);
    if (fd >= 0) break;
    if ((err = errno) == EINTR) continue;
    if ((err = lsockI_waitretry(s, err, POLLIN, 0, &dl)) != 0)
      return lsockI_pusherr(L, err);
  }
  lsockC_setupfd(fd);
  c->fd = fd;
  lsockI_pushaddr(L, lsockI_sa(&a), a.len);
  return 2;
}

/*** Shut down one or both directions of a connection.
@function socket:shutdown
@tparam[opt] string|int how "rd", "wr" or "rdwr" (default)
@treturn true
@return[2] nil, msg, errno (ENOTCONN)
@usage s:shutdown("wr")  -- the peer's recv returns ""
@see shutdown(2)
*/
static int meth_shutdown(lua_State *L) {
  static const char *const hows[] = {"rd", "wr", "rdwr", NULL};
  static const int howv[] = {SHUT_RD, SHUT_WR, SHUT_RDWR};
  Sock *s = lsockI_checksock(L, 1);
  int how = lua_type(L, 2) == LUA_TNUMBER
            ? lsockI_checkint(L, 2)
            : howv[luaL_checkoption(L, 2, NULL, hows)];
  if (shutdown(s->fd, how) == -1) return lsockI_fail(L, errno);
  return lsockI_pushtrue(L);
}


/* Methods: the data path -------------------------------------------------- */

/* One send, waiting by the socket's timeout; returns bytes or -errno. */
static ssize_t sendsome(Sock *s, const char *p, size_t len, int flags,
                        const Addr *to, LsockDeadline *dl) {
  for (;;) {
    ssize_t n;
    int err;
    if (to)
      n = sendto(s->fd, p, len, lsockI_sysflags(s, flags),
                 (const struct sockaddr *)&to->ss,
                 to->len);
    else n = send(s->fd, p, len, lsockI_sysflags(s, flags));
    if (n >= 0) return n;
    if ((err = errno) == EINTR) continue;
    if ((err = lsockI_waitretry(s, err, POLLOUT, flags, dl)) != 0) return -err;
  }
}

/*** Send bytes; may send fewer than asked.
@function socket:send
@tparam string data
@tparam[opt] string|int flags "oob", "dontwait", "more"...
@tparam[opt] int i start of data:sub(i, j), without copying
@tparam[opt] int j end of the range
@treturn int bytes sent
@return[2] nil, msg, errno (EPIPE, never SIGPIPE; "timeout", ETIMEDOUT)
@usage local n = assert(s:send("hello\n"))
@see send(2)
*/
static int meth_send(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  size_t len, i, j;
  const char *data = luaL_checklstring(L, 2, &len);
  int flags = optflags(L, 3) | MSG_NOSIGNAL;
  LsockDeadline dl = lsockI_deadline(s->timeout);
  ssize_t n;
  subrange(L, 4, len, &i, &j);
  n = sendsome(s, data + i, j - i, flags, NULL, &dl);
  if (n < 0) return lsockI_pusherr(L, (int)-n);
  lua_pushinteger(L, n);
  return 1;
}

/*** Send a whole string (or data:sub(i, j)), looping over partial sends.
@function socket:sendall
@tparam string data
@tparam[opt] int i start of the range
@tparam[opt] int j end of the range
@treturn int the length of the range
@return[2] nil, msg, errno, sent_so_far
@usage assert(s:sendall(reply))
@see send(2)
*/
/* sendall(data [, i [, j]]): the whole range, or nil, msg, errno, sent. */
static int meth_sendall(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  size_t len, i, j, sent = 0;
  const char *data = luaL_checklstring(L, 2, &len);
  LsockDeadline dl = lsockI_deadline(s->timeout);
  subrange(L, 3, len, &i, &j);
  while (sent < j - i) {
    ssize_t n = sendsome(s, data + i + sent, j - i - sent, MSG_NOSIGNAL,
                         NULL, &dl);
    if (n < 0) {
      int r = lsockI_pusherr(L, (int)-n);
      lua_pushinteger(L, (lua_Integer)sent);
      return r + 1;
    }
    sent += (size_t)n;
  }
  lua_pushinteger(L, (lua_Integer)sent);
  return 1;
}

/*** Send a datagram to an address.
@function socket:sendto
@tparam string data
@tparam sockaddr|string addr a sockaddr, or a host (then a port follows)
or a unix path
@tparam[opt] int|string port the port, only after a host: after a
sockaddr or a path the flags come third
@tparam[opt] string|int flags as for send ("dontwait", "confirm"...)
@treturn int bytes sent
@return[2] nil, msg, errno
@usage s:sendto("ping", "127.0.0.1", 9999)
s:sendto("pong", from, "dontwait")  -- from: a sockaddr
@see sendto(2)
*/
static int meth_sendto(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  Addr a;
  int nargs, r, flags;
  LsockDeadline dl = lsockI_deadline(s->timeout);
  ssize_t n;
  if ((r = lsockI_getaddr(L, 3, s, &a, &nargs)) != 0) return r;
  flags = optflags(L, 3 + nargs) | MSG_NOSIGNAL;
  n = sendsome(s, data, len, flags, &a, &dl);
  if (n < 0) return lsockI_pusherr(L, (int)-n);
  lua_pushinteger(L, n);
  return 1;
}

/* The size argument of recv-like calls: how many bytes to allocate. */
size_t lsockI_checksize(lua_State *L, int arg, const Sock *s, int flags) {
  lua_Integer n = luaL_checkinteger(L, arg);
  luaL_argcheck(L, n >= 0, arg, "size must not be negative");
  luaL_argcheck(L, n <= INT_MAX, arg, "size too large");
  if (s->type == SOCK_STREAM && !(flags & MSG_WAITALL)
      && n > STREAM_RECV_MAX)
    n = STREAM_RECV_MAX;
  return (size_t)n;
}

/* recv/recvfrom: into the scratch buffer (or a luaL_Buffer above its
** size), then one copy into the string. */
static int dorecv(lua_State *L, int withaddr) {
  Sock *s = lsockI_checksock(L, 1);
  int flags = optflags(L, 3);
  size_t size = lsockI_checksize(L, 2, s, flags);
  int big = size > SCRATCH_SIZE;
  luaL_Buffer b;
  char *p = big ? luaL_buffinitsize(L, &b, size)
                : (char *)lua_touserdata(L, lua_upvalueindex(2));
  Addr a;
  LsockDeadline dl = lsockI_deadline(s->timeout);
  ssize_t n;
  for (;;) {
    int err;
    a.len = sizeof a.ss;
    int sys = lsockI_sysflags(s, flags);
    if (withaddr) n = recvfrom(s->fd, p, size, sys, lsockI_sa(&a), &a.len);
    else n = recv(s->fd, p, size, sys);
    if (n >= 0) break;
    if ((err = errno) == EINTR) continue;
    err = lsockI_waitretry(s, err, lsockI_recvevents(flags), flags, &dl);
    if (err != 0) return lsockI_pusherr(L, err);
  }
  if (n > 0 && (flags & MSG_WAITALL) && !(flags & MSG_PEEK)
      && s->type == SOCK_STREAM && s->timeout > 0 && (size_t)n < size)
    n = (ssize_t)lsockI_waitall(s, p, (size_t)n, size, flags, &dl);
  /* A stream socket given MSG_TRUNC discards the bytes without storing
  ** them: return that many NULs, never the buffer's old contents. */
  if ((flags & MSG_TRUNC) && s->type == SOCK_STREAM && n > 0)
    memset(p, 0, (size_t)n > size ? size : (size_t)n);
  /* With MSG_TRUNC a datagram socket returns the real length, which may
  ** exceed the buffer: keep only what was stored. */
  if ((size_t)n > size) n = (ssize_t)size;
  if (big) luaL_pushresultsize(&b, (size_t)n);
  else lua_pushlstring(L, p, (size_t)n);
  if (!withaddr) return 1;
  if (a.len == 0) {
    /* No sender address: a connected stream, or an unbound unix sender,
    ** which is shown as the unnamed address (path ""). */
    if (s->family != AF_UNIX) {
      lua_pushnil(L);
      return 2;
    }
    a.ss.ss_family = AF_UNIX;
    a.len = sizeof(sa_family_t);
  }
  lsockI_pushaddr(L, lsockI_sa(&a), a.len);
  return 2;
}

/*** Receive at most n bytes.
@function socket:recv
@tparam int n the most bytes to return (a stream gives at most 1 MiB a call)
@tparam[opt] string|int flags "peek", "waitall", "dontwait", "oob", "trunc"
@treturn string data; "" when the peer has shut down
@return[2] nil, msg, errno ("timeout", ETIMEDOUT; EAGAIN when non-blocking)
@usage local line = s:recv(1024)
@see recv(2)
*/
static int meth_recv(lua_State *L) {
  return dorecv(L, 0);
}

/*** Receive a datagram and its sender.
@function socket:recvfrom
@tparam int n the most bytes to return
@tparam[opt] string|int flags as for recv
@treturn string data
@treturn sockaddr the sender (send the reply there)
@return[2] nil, msg, errno
@usage local data, from = s:recvfrom(1500); s:sendto(data, from)
@see recvfrom(2)
*/
static int meth_recvfrom(lua_State *L) {
  return dorecv(L, 1);
}


/* Methods: names, descriptors and modes ------------------------------------ */

static int getname(lua_State *L, int peer) {
  Sock *s = lsockI_checksock(L, 1);
  Addr a;
  int r;
  a.len = sizeof a.ss;
  memset(&a.ss, 0, sizeof a.ss);
  r = peer ? getpeername(s->fd, lsockI_sa(&a), &a.len)
           : getsockname(s->fd, lsockI_sa(&a), &a.len);
  if (r == -1) return lsockI_fail(L, errno);
  lsockI_pushaddr(L, lsockI_sa(&a), a.len);
  return 1;
}

/*** The socket's local address.
@function socket:getsockname
@treturn sockaddr
@return[2] nil, msg, errno
@usage print(s:getsockname().port)
@see getsockname(2)
*/
static int meth_getsockname(lua_State *L) {
  return getname(L, 0);
}

/*** The connected peer's address.
@function socket:getpeername
@treturn sockaddr
@return[2] nil, msg, errno (ENOTCONN)
@see getpeername(2)
@usage print("connected to " .. tostring(s:getpeername()))
*/
static int meth_getpeername(lua_State *L) {
  return getname(L, 1);
}

/*** The descriptor, for select, pollers and sendfds; the socket keeps it.
@function socket:fileno
@treturn int fd
@usage print(s:fileno())
*/
static int meth_fileno(lua_State *L) {
  lua_pushinteger(L, lsockI_checksock(L, 1)->fd);
  return 1;
}

/*** Hand the descriptor to the caller; the socket is closed without closing
  it.
@function socket:detach
@treturn int fd, now the caller's to close (lsock.close)
@usage local fd = s:detach()  -- s is closed, fd stays open
*/
/* detach(): hand the descriptor to the caller; the socket is then closed
** without closing the descriptor. */
static int meth_detach(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  lua_pushinteger(L, s->fd);
  s->fd = -1;
  return 1;
}

/*** A second socket on a duplicate of the descriptor.
@function socket:dup
@treturn socket with the same timeout
@return[2] nil, msg, errno
@see dup(2)
@usage local s2 = assert(s:dup())
*/
static int meth_dup(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  /* O_NONBLOCK lives on the shared open file: the copy's mode is ours. */
  Sock *c = newsock(L, s->family, s->type, s->protocol, s->timeout);
  int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
  if (fd == -1) return lsockI_fail(L, errno);
  c->fd = fd;
  return 1;
}

/*** The socket's family as a name.
@function socket:family
@treturn string "inet", "inet6", "unix", ...
@usage if s:family() == "inet6" then s:setsockopt("ipv6", "v6only", false) end
*/
static int meth_family(lua_State *L) {
  lsockI_pushfamily(L, lsockI_checksock(L, 1)->family);
  return 1;
}

/*** The socket's type as a name.
@function socket:type
@treturn string "stream", "dgram", "raw", "seqpacket"
@usage assert(s:type() == "stream")
*/
static int meth_type(lua_State *L) {
  lsockI_pushtype(L, lsockI_checksock(L, 1)->type);
  return 1;
}

/*** The socket's protocol number.
@function socket:protocol
@treturn int 0, 6 (tcp), 17 (udp)...
@usage print(s:protocol()) --> 6 for TCP
*/
static int meth_protocol(lua_State *L) {
  lua_pushinteger(L, lsockI_checksock(L, 1)->protocol);
  return 1;
}

/* s's timeout (negative: blocking; not NaN): 0 or the errno. */
int lsockI_settimeout(Sock *s, double t) {
  int err;
  if (t < 0 || t == HUGE_VAL) t = -1;
  if ((err = setnonblock(s->fd, t >= 0)) != 0) return err;
  s->timeout = t;
  return 0;
}

/*** Set how long each call may wait.
@function socket:settimeout
@tparam[opt] number seconds nil, negative or math.huge: block; 0: never wait; t
  > 0: at most t seconds per call
@treturn true
@usage s:settimeout(2.5)
@see poll(2)
*/
/* settimeout(seconds or nil): nil, a negative number or math.huge block;
** 0 never waits; a positive number waits at most that long per call. */
static int meth_settimeout(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  double t = -1;
  int err;
  if (!lua_isnoneornil(L, 2)) {
    t = luaL_checknumber(L, 2);
    luaL_argcheck(L, t == t, 2, "timeout is NaN");
  }
  err = lsockI_settimeout(s, t);
  return err ? lsockI_fail(L, err) : lsockI_pushtrue(L);
}

/*** The timeout set by settimeout.
@function socket:gettimeout
@treturn number|nil seconds, or nil when blocking
@usage local t = s:gettimeout()
*/
static int meth_gettimeout(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  if (s->timeout < 0) luaL_pushfail(L);
  else lua_pushnumber(L, s->timeout);
  return 1;
}

/*** Blocking (settimeout(nil)) or non-blocking (settimeout(0)).
@function socket:setblocking
@tparam boolean on
@treturn true
@see fcntl(2)
@usage s:setblocking(false)  -- like s:settimeout(0)
*/
static int meth_setblocking(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  int on, err;
  luaL_checktype(L, 2, LUA_TBOOLEAN);
  on = lua_toboolean(L, 2);
  if ((err = setnonblock(s->fd, !on)) != 0) return lsockI_fail(L, err);
  s->timeout = on ? -1 : 0;
  return lsockI_pushtrue(L);
}


/* Methods: closing ------------------------------------------------------- */

/*** Close the socket; closing twice is harmless.
@function socket:close
@treturn true
@return[2] nil, msg, errno when close(2) reports an error
@see close(2)
@usage s:close()
*/
/* close(): harmless on a closed socket. */
static int meth_close(lua_State *L) {
  int err = closefd(anysock(L));
  return err ? lsockI_fail(L, err) : lsockI_pushtrue(L);
}

/* __gc and __close: the quiet close. */
static int meth_gc(lua_State *L) {
  closefd(anysock(L));
  return 0;
}

/* lsock.socket(inet stream fd=5 127.0.0.1:4000 -> 127.0.0.1:5000) */
static int meth_tostring(lua_State *L) {
  Sock *s = anysock(L);
  luaL_Buffer b;
  Addr a;
  if (s->fd < 0) {
    lua_pushliteral(L, "lsock.socket(closed)");
    return 1;
  }
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "lsock.socket(");
  lsockI_pushfamily(L, s->family);
  luaL_addvalue(&b);
  luaL_addchar(&b, ' ');
  lsockI_pushtype(L, s->type);
  luaL_addvalue(&b);
  lua_pushfstring(L, " fd=%d", s->fd);
  luaL_addvalue(&b);
  a.len = sizeof a.ss;
  if (getsockname(s->fd, lsockI_sa(&a), &a.len) == 0
      && a.len > sizeof(sa_family_t)) {
    luaL_addchar(&b, ' ');
    lsockI_addrtostring(L, &a);
    luaL_addvalue(&b);
  }
  a.len = sizeof a.ss;
  if (getpeername(s->fd, lsockI_sa(&a), &a.len) == 0) {
    luaL_addstring(&b, " -> ");
    lsockI_addrtostring(L, &a);
    luaL_addvalue(&b);
  }
  luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  return 1;
}


/* Registration ------------------------------------------------------------ */

void lsockI_addmethods(lua_State *L, const luaL_Reg *l) {
  /* the methods table is on top; the metatable becomes upvalue 1 */
  luaL_getmetatable(L, LSOCK_SOCKET);
  luaL_setfuncs(L, l, 1);
}

static const luaL_Reg methods[] = {
  {"bind", meth_bind},
  {"listen", meth_listen},
  {"accept", meth_accept},
  {"connect", meth_connect},
  {"send", meth_send},
  {"sendall", meth_sendall},
  {"sendto", meth_sendto},
  {"shutdown", meth_shutdown},
  {"getsockname", meth_getsockname},
  {"getpeername", meth_getpeername},
  {"fileno", meth_fileno},
  {"detach", meth_detach},
  {"dup", meth_dup},
  {"family", meth_family},
  {"type", meth_type},
  {"protocol", meth_protocol},
  {"settimeout", meth_settimeout},
  {"gettimeout", meth_gettimeout},
  {"setblocking", meth_setblocking},
  {"close", meth_close},
  {NULL, NULL}
};

/* These two also get the scratch buffer as upvalue 2. */
static const luaL_Reg recvmethods[] = {
  {"recv", meth_recv},
  {"recvfrom", meth_recvfrom},
  {NULL, NULL}
};

static const luaL_Reg metamethods[] = {
  {"__gc", meth_gc},
  {"__close", meth_gc},
  {"__tostring", meth_tostring},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"socket", lsock_socket},
  {"socketpair", lsock_socketpair},
  {"fromfd", lsock_fromfd},
  {NULL, NULL}
};

/* The socket's own group of methods, into the methods table on top. */
void lsockI_socket_methods(lua_State *L) {
  lsockI_addmethods(L, methods);
  luaL_getmetatable(L, LSOCK_SOCKET);
  lua_newuserdatauv(L, SCRATCH_SIZE, 0);
  luaL_setfuncs(L, recvmethods, 2);
}

/* Called with the module table on top: the metatable, with an empty
** methods table as its __index (core.c fills it), and the functions. */
void lsockI_open_socket(lua_State *L) {
  luaL_newmetatable(L, LSOCK_SOCKET);  /* sets __name */
  lua_pushvalue(L, -1);  /* the metatable is the metamethods' upvalue 1 */
  luaL_setfuncs(L, metamethods, 1);
  lua_newtable(L);
  lua_setfield(L, -2, "__index");  /* mt.__index = methods */
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
