/*
** lsock.connectwait: wait for the first of several non-blocking connects
** to finish.  This is the mechanism under lsock.tcp.connect's Happy
** Eyeballs (RFC 8305): Lua starts the attempts and decides when to start
** the next one; C only polls them all at once and reads SO_ERROR.
** lsock.monotime gives Lua the clock its overall deadlines need.
*/
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <string.h>

#include "lsock.h"

/* Up to this many attempts in flight; RFC 8305 never needs more than a
** handful, and a fixed array keeps the call free of allocation. */
#define MAXWAIT  64

/* lsock.connectwait(socks [, timeout]) -> i, true | i, false, msg, errno
** i is the index in socks of a connect that finished (first in array
** order when several did), with its outcome; on timeout nil, "timeout",
** ETIMEDOUT.  timeout nil or negative: wait as long as it takes. */
static int lsock_connectwait(lua_State *L) {
  struct pollfd pfd[MAXWAIT];
  lua_Integer n, i;
  double timeout = luaL_optnumber(L, 2, -1), deadline = -1;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (lua_Integer)lua_rawlen(L, 1);
  luaL_argcheck(L, n > 0, 1, "no sockets to wait for");
  luaL_argcheck(L, n <= MAXWAIT, 1, "too many sockets");
  luaL_argcheck(L, timeout == timeout, 2, "timeout is NaN");
  for (i = 0; i < n; i++) {
    Sock *s;
    lua_rawgeti(L, 1, i + 1);
    s = lsockI_testsock(L, -1);
    if (s == NULL || s->fd < 0)
      return luaL_argerror(L, 1, lua_pushfstring(L,
                           "open socket expected at index %d", (int)i + 1));
    pfd[i].fd = s->fd;
    pfd[i].events = POLLOUT;
    lua_pop(L, 1);
  }
  if (timeout >= 0 && timeout != HUGE_VAL) deadline = lsockI_now() + timeout;
  for (;;) {
    int ms = -1, r;
    if (deadline >= 0) {
      double left = deadline - lsockI_now();
      if (left < 0) left = 0;
      ms = left > INT_MAX / 1000 ? INT_MAX : (int)(left * 1000.0 + 0.999);
    }
    r = poll(pfd, (nfds_t)n, ms);
    if (r == 0) return lsockI_timeout(L);
    if (r > 0) break;
    if (errno != EINTR) return lsockI_fail(L, errno);
  }
  for (i = 0; i < n; i++) {
    int err = 0;
    socklen_t len = sizeof err;
    if (pfd[i].revents == 0) continue;
    if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
      err = errno;
    lua_pushinteger(L, i + 1);
    if (err == 0) {
      lua_pushboolean(L, 1);
      return 2;
    }
    lua_pushboolean(L, 0);
    lua_pushstring(L, strerror(err));
    lua_pushinteger(L, err);
    return 4;
  }
  return lsockI_timeout(L);  /* not reached: poll said one was ready */
}

/* lsock.monotime() -> seconds of a clock that never jumps, for the
** deadlines the Lua helpers keep across several calls. */
static int lsock_monotime(lua_State *L) {
  lua_pushnumber(L, lsockI_now());
  return 1;
}

static const luaL_Reg funcs[] = {
  {"connectwait", lsock_connectwait},
  {"monotime", lsock_monotime},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_connectwait(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
}
