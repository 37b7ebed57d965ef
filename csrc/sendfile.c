/*
** s:sendfile(file_or_fd [, offset [, count]]): file to socket without
** copying through Lua.  One idea: like sendall it loops until the range is
** sent, the file ends or an error comes, and a Lua file handle keeps its
** own position right (its stdio buffer is flushed first, and when no
** offset is given its position moves past what was sent).  sendfile has
** no MSG_NOSIGNAL: SIGPIPE is blocked around the call instead and one it
** raised is discarded, so a closed peer gives EPIPE, never a dead process.
*/
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/sendfile.h>
#include <time.h>
#include <sys/types.h>
#include <unistd.h>

#include "lsock.h"

/* Linux sends at most this much per call (MAX_RW_COUNT). */
#define CHUNK  0x7ffff000

/* Block SIGPIPE for this thread; *saved says what to restore. */
static void nopipe(sigset_t *saved, int *pending) {
  sigset_t pipe, now;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  sigprocmask(SIG_BLOCK, &pipe, saved);
  /* a SIGPIPE pending before us is not ours to discard */
  sigpending(&now);
  *pending = sigismember(&now, SIGPIPE) == 1;
}

static void restorepipe(const sigset_t *saved, int pending, int err) {
  if (err == EPIPE && !pending) {
    sigset_t pipe;
    struct timespec zero = {0, 0};
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    while (sigtimedwait(&pipe, NULL, &zero) == -1 && errno == EINTR) {}
  }
  sigprocmask(SIG_SETMASK, saved, NULL);
}

static int sendfail(lua_State *L, int err, long long sent) {
  int r = lsockI_pusherr(L, err);
  lua_pushinteger(L, (lua_Integer)sent);
  return r + 1;
}

/*** Send a file on a stream socket without copying it through Lua.
@function socket:sendfile
@tparam file|int file a Lua file handle or a descriptor
@tparam[opt] int offset where to start (the file position is then left alone)
@tparam[opt] int count bytes (default: to the end of the file)
@treturn int bytes sent
@return[2] nil, msg, errno, sent_so_far
@usage conn:sendfile(io.open("index.html"))
@see sendfile(2)
*/
static int meth_sendfile(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  luaL_Stream *f = (luaL_Stream *)luaL_testudata(L, 2, LUA_FILEHANDLE);
  int fd, useoff = !lua_isnoneornil(L, 3);
  off_t off = 0;
  lua_Integer count = luaL_optinteger(L, 4, -1);
  long long sent = 0;
  LsockDeadline dl = lsockI_deadline(s->timeout);
  sigset_t saved;
  int pending, err;
  if (f != NULL) {
    luaL_argcheck(L, f->closef != NULL, 2, "attempt to use a closed file");
    fflush(f->f);  /* what Lua wrote must be in the file first */
    fd = fileno(f->f);
  } else {
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0 && n <= INT_MAX, 2, "invalid descriptor");
    fd = (int)n;
  }
  if (useoff) {
    lua_Integer o = luaL_checkinteger(L, 3);
    luaL_argcheck(L, o >= 0, 3, "offset must not be negative");
    off = (off_t)o;
  } else if (f != NULL) {
    /* The stdio position, not the descriptor's (which runs ahead by
    ** whatever stdio has buffered). */
    if ((off = ftello(f->f)) == -1) return lsockI_fail(L, errno);
  }
  luaL_argcheck(L, count >= -1, 4, "count must not be negative");
  /* sendfile takes no MSG_DONTWAIT: see lsockI_nonblocking. */
  if ((err = lsockI_nonblocking(s)) != 0) return lsockI_fail(L, err);
  nopipe(&saved, &pending);
  while (count < 0 || sent < count) {
    size_t want = CHUNK;
    ssize_t n;
    if (count >= 0 && (lua_Integer)want > count - sent)
      want = (size_t)(count - sent);
    /* a raw descriptor without an offset moves its own position */
    n = sendfile(s->fd, fd, (useoff || f) ? &off : NULL, want);
    if (n > 0) {
      sent += n;
      continue;
    }
    if (n == 0) break;  /* end of file */
    if ((err = errno) == EINTR) continue;
    if ((err = lsockI_waitretry(s, err, POLLOUT, 0, &dl)) == 0) continue;
    restorepipe(&saved, pending, err);
    if (f && !useoff) fseeko(f->f, off, SEEK_SET);
    return sendfail(L, err, sent);
  }
  restorepipe(&saved, pending, 0);
  if (f && !useoff) fseeko(f->f, off, SEEK_SET);
  lua_pushinteger(L, (lua_Integer)sent);
  return 1;
}

static const luaL_Reg methods[] = {
  {"sendfile", meth_sendfile},
  {NULL, NULL}
};

/* The methods table on top: adds sendfile. */
void lsockI_sendfile_methods(lua_State *L) {
  lsockI_addmethods(L, methods);
}
