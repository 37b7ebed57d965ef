/*
** The read buffer of lsock.stream, in C because bench/lines.py showed the
** Lua one at 0.2x of C fgets.  The Lua code keeps all I/O (so that sockets
** wrapped by lsock.loop can yield); this file only holds bytes and finds
** lines.  read() and lines() answer from here when a whole line is
** buffered, and otherwise hand over to the Lua code with lua_callk, which
** keeps them yieldable.
*/
#include "compat.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "lsock.h"

#define LSOCK_STREAMBUF  "lsock.streambuf"
#define NOMARK  ((size_t)-1)

/* Unread bytes are data[start, end).  No '\n' is in data[start, scan).
** mark (unless NOMARK) is where the read in progress started: bytes from
** there are kept, so that a read that fails can be rewound. */
typedef struct Buf {
  const void *tag;  /* &tag_value: tells a Buf from other userdata */
  char *data;
  size_t cap, start, end, scan, mark;
  size_t maxline;
  lua_Integer nin, nout;  /* bytes in through append/fill, out via csend */
  double block, total;    /* lsock.compat's timeouts (-1: none) */
  const void *sock;       /* compat: the socket last found the object's, */
} Buf;                    /* kept alive as the buffer's user value 1 */


static const char tag_value = 0;


/* Helpers ----------------------------------------------------------------- */

static Buf *checkbuf(lua_State *L) {
  return (Buf *)luaL_checkudata(L, 1, LSOCK_STREAMBUF);
}

/* The buffer in st[1] when st is a stream table still open, else NULL.
** The hot path checks size and tag instead of the metatable: only this
** file can make a userdata of this size that starts with the tag. */
static Buf *streambuf(lua_State *L, int st) {
  Buf *b = NULL;
  if (lua_rawgeti(L, st, 1) == LUA_TUSERDATA
      && lua_rawlen(L, -1) == sizeof(Buf)) {
    b = (Buf *)lua_touserdata(L, -1);
    if (b->tag != &tag_value) b = NULL;
  }
  lua_pop(L, 1);
  return b;
}

/* Push the buffered line and consume it if it is whole and not longer than
** maxline (a CR before the LF is part of the end of line); else 0. */
static int pushline(lua_State *L, Buf *b, int chop) {
  const char *p = b->data + b->start, *nl;
  size_t len, clen;
  if (b->scan == b->end) return 0;
  nl = (const char *)memchr(b->data + b->scan, '\n', b->end - b->scan);
  if (nl == NULL) {
    b->scan = b->end;
    return 0;
  }
  b->scan = (size_t)(nl - b->data);
  len = (size_t)(nl - p);
  clen = (len > 0 && p[len - 1] == '\r') ? len - 1 : len;
  if (clen > b->maxline) return 0;
  lua_pushlstring(L, p, chop ? clen : len + 1);
  b->start = b->scan = b->scan + 1;
  if (b->start == b->end && b->mark == NOMARK) b->start = b->end = b->scan = 0;
  return 1;
}

/* The stream's Lua function (upvalue 1) does the rest: results as its. */
static int finish(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  return lua_gettop(L);
}

static int handover(lua_State *L, int nresults) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_callk(L, lua_gettop(L) - 1, nresults, 0, finish);
  return finish(L, LUA_OK, 0);
}


/* Methods: the buffer as the Lua code sees it ------------------------------ */

/* Make room for len more bytes after the unread ones (by dropping what was
** read, then by growing). */
static void reserve(lua_State *L, Buf *b, size_t len) {
  size_t keep, live;
  if (b->cap - b->end < len) {
    keep = b->mark != NOMARK ? b->mark : b->start;
    live = b->end - keep;
    if (keep > 0) {
      memmove(b->data, b->data + keep, live);
      b->start -= keep;
      b->scan -= keep;
      b->end = live;
      if (b->mark != NOMARK) b->mark = 0;
    }
    if (b->cap - b->end < len) {
      void *ud;
      lua_Alloc allocf = lua_getallocf(L, &ud);
      size_t ncap = b->cap ? b->cap : 4096;
      char *nd;
      while (ncap - live < len) {
        if (ncap > ((size_t)-1) / 2) luaL_error(L, "stream buffer too large");
        ncap *= 2;
      }
      nd = (char *)allocf(ud, b->data, b->cap, ncap);
      if (nd == NULL) luaL_error(L, "not enough memory");
      b->data = nd;
      b->cap = ncap;
    }
  }
}

/* append(data): after the unread bytes. */
static int meth_append(lua_State *L) {
  Buf *b = checkbuf(L);
  size_t len;
  const char *s = luaL_checklstring(L, 2, &len);
  if (len == 0) return 0;  /* data may still be NULL: no memcpy */
  reserve(L, b, len);
  memcpy(b->data + b->end, s, len);
  b->end += len;
  b->nin += (lua_Integer)len;
  return 0;
}

static int meth_len(lua_State *L) {
  Buf *b = checkbuf(L);
  lua_pushinteger(L, (lua_Integer)(b->end - b->start));
  return 1;
}

/* line(chop): the next line (consumed) if a whole one is buffered, false
** if more is needed, nil if it is already longer than maxline. */
static int meth_line(lua_State *L) {
  Buf *b = checkbuf(L);
  size_t n;
  if (pushline(L, b, lua_toboolean(L, 2))) return 1;
  n = b->end - b->start;
  if (b->scan < b->end  /* a whole line, too long */
      || (n > b->maxline
          && (n > b->maxline + 1 || b->data[b->end - 1] != '\r')))
    lua_pushnil(L);
  else lua_pushboolean(L, 0);
  return 1;
}

/* take(n): up to n unread bytes, consumed. */
static int meth_take(lua_State *L) {
  Buf *b = checkbuf(L);
  lua_Integer n = luaL_checkinteger(L, 2);
  size_t avail = b->end - b->start;
  size_t k = n < 0 ? 0 : (size_t)n > avail ? avail : (size_t)n;
  lua_pushlstring(L, b->data + b->start, k);
  b->start += k;
  if (b->scan < b->start) b->scan = b->start;
  return 1;
}

/* peek(i): the i-th unread byte as an integer, or nil. */
static int meth_peek(lua_State *L) {
  Buf *b = checkbuf(L);
  lua_Integer i = luaL_checkinteger(L, 2);
  if (i < 1 || (size_t)(i - 1) >= b->end - b->start) return 0;
  lua_pushinteger(L, (unsigned char)b->data[b->start + (size_t)(i - 1)]);
  return 1;
}

static int meth_setmark(lua_State *L) {
  Buf *b = checkbuf(L);
  b->mark = b->start;
  return 0;
}

static int meth_unmark(lua_State *L) {
  Buf *b = checkbuf(L);
  b->mark = NOMARK;
  return 0;
}

/* rewind(): back to the mark; lines may lie between it and scan. */
static int meth_rewind(lua_State *L) {
  Buf *b = checkbuf(L);
  if (b->mark != NOMARK) b->start = b->scan = b->mark;
  b->mark = NOMARK;
  return 0;
}

static int meth_gc(lua_State *L) {
  Buf *b = checkbuf(L);
  void *ud;
  lua_Alloc allocf = lua_getallocf(L, &ud);
  if (b->data != NULL) allocf(ud, b->data, b->cap, 0);
  b->data = NULL;
  b->cap = b->start = b->end = b->scan = 0;
  b->mark = NOMARK;  /* a mark past the (now empty) end breaks append */
  return 0;
}


/* The fast paths ---------------------------------------------------------- */

/* stream:read(...): a line from the buffer for read() and read("l"), the
** Lua read (upvalue 1) for everything else. */
static int fastread(lua_State *L) {
  int n = lua_gettop(L);
  if (n <= 2 && lua_type(L, 1) == LUA_TTABLE) {
    size_t len = 1;
    const char *f = "l";
    if (n == 2)  /* a string, never a number: lua_tolstring would convert */
      f = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : "";
    if (f[0] == 'l' && len == 1) {
      Buf *b = streambuf(L, 1);
      if (b != NULL && pushline(L, b, 1)) return 1;
      lua_settop(L, n);
    }
  }
  return handover(L, LUA_MULTRET);
}

/* The iterator of stream:lines(): the stream is upvalue 2. */
static int fastlines(lua_State *L) {
  Buf *b = streambuf(L, lua_upvalueindex(2));
  lua_settop(L, 0);
  if (b != NULL && pushline(L, b, 1)) return 1;
  lua_settop(L, 0);
  return handover(L, 1);
}


/* lsock.compat: LuaSocket's receive and send ------------------------------
** compat objects (lua/lsock/compat.lua) are tables with a buffer at [1]
** (clients only) and the lsock socket at [COMPAT_SOCK].  receive answers "*l"
** (every CR dropped, as LuaSocket) and counts from the buffer, after one
** non-blocking recv straight into it when that is needed; send tries
** non-blocking sends.  Anything else (longer waits, errors, prefixes)
** is the Lua method's (upvalue 1); with _DEBUG set, compat puts the Lua
** methods in place of these.  The buffer keeps the object's timeouts
** (settimeouts).  Upvalue 2 is the compat module, 3 the socket metatable. */

#define COMPAT_READ  65536
#define COMPAT_FIRST  1000
#define COMPAT_SOCK  2          /* compat.lua's SOCK */
enum { COMPAT_NUP = 3 };

static void pushcompatup(lua_State *L, int fn, int mod) {
  lua_pushvalue(L, fn);
  lua_pushvalue(L, mod);
  luaL_getmetatable(L, LSOCK_SOCKET);
}

/* The line (every CR dropped) if a whole one is buffered, consumed. */
static int pushcrline(lua_State *L, Buf *b) {
  const char *p = b->data + b->start, *nl;
  size_t len;
  if (b->scan == b->end) return 0;
  nl = (const char *)memchr(b->data + b->scan, '\n', b->end - b->scan);
  if (nl == NULL) {
    b->scan = b->end;
    return 0;
  }
  len = (size_t)(nl - p);
  if (memchr(p, '\r', len) == NULL) lua_pushlstring(L, p, len);
  else {
    luaL_Buffer lb;
    size_t k;
    luaL_buffinit(L, &lb);
    for (k = 0; k < len; k++)
      if (p[k] != '\r') luaL_addchar(&lb, p[k]);
    luaL_pushresult(&lb);
  }
  b->start = b->scan = (size_t)(nl - b->data) + 1;
  if (b->start == b->end && b->mark == NOMARK) b->start = b->end = b->scan = 0;
  return 1;
}

/* crline(): the next line without its CRs, or false. */
static int meth_crline(lua_State *L) {
  Buf *b = checkbuf(L);
  if (!pushcrline(L, b)) lua_pushboolean(L, 0);
  return 1;
}

/* settimeouts(block, total): what compat's settimeout was given. */
static int meth_settimeouts(lua_State *L) {
  Buf *b = checkbuf(L);
  b->block = luaL_checknumber(L, 2);
  b->total = luaL_checknumber(L, 3);
  return 0;
}

/* counts(): bytes in, bytes sent by the compat send. */
static int meth_counts(lua_State *L) {
  Buf *b = checkbuf(L);
  lua_pushinteger(L, b->nin);
  lua_pushinteger(L, b->nout);
  return 2;
}

/* setcounts(nin, nout) */
static int meth_setcounts(lua_State *L) {
  Buf *b = checkbuf(L);
  b->nin = luaL_checkinteger(L, 2);
  b->nout = luaL_checkinteger(L, 3);
  return 0;
}

/* The open lsock socket at st[COMPAT_SOCK] (b the buffer at st[1]), or
** NULL.  A socket found once is remembered in b and held by b's user
** value, so that no other object can have its address: the next calls
** compare the pointer instead of checking the metatable. */
static Sock *compatsock(lua_State *L, int st, Buf *b) {
  Sock *s = NULL;
  if (lua_rawgeti(L, st, COMPAT_SOCK) == LUA_TUSERDATA) {
    s = (Sock *)lua_touserdata(L, -1);
    if (s != b->sock) {
      int ok = lua_getmetatable(L, -1);
      if (ok) {
        ok = lua_rawequal(L, -1, lua_upvalueindex(3));
        lua_pop(L, 1);
      }
      if (ok) {
        lua_rawgeti(L, st, 1);               /* the buffer */
        lua_pushvalue(L, -2);
        lua_setiuservalue(L, -2, 1);
        lua_pop(L, 1);
        b->sock = s;
      } else s = NULL;
    }
    if (s != NULL && s->fd < 0) s = NULL;
  }
  lua_pop(L, 1);
  return s;
}

/* One non-blocking recv into b: 1 if bytes came, -1 if none were there,
** else 0 (the Lua code then sees the end or the error itself). */
static int compatfill(lua_State *L, Buf *b, Sock *s) {
  ssize_t n;
  if (b->cap == 0) {
    /* A first buffer small enough for malloc's per-thread cache: most
    ** connections of a request/response protocol never need more. */
    void *ud;
    lua_Alloc allocf = lua_getallocf(L, &ud);
    b->data = (char *)allocf(ud, NULL, 0, COMPAT_FIRST);
    if (b->data == NULL) luaL_error(L, "not enough memory");
    b->cap = COMPAT_FIRST;
  }
  /* Room as large as the buffer already is (up to COMPAT_READ): a
  ** connection that exchanges small messages keeps a small buffer. */
  reserve(L, b, b->cap > COMPAT_READ ? COMPAT_READ : b->cap);
  do n = recv(s->fd, b->data + b->end, b->cap - b->end, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return -1;
  if (n <= 0) return 0;
  b->end += (size_t)n;
  b->nin += (lua_Integer)n;
  return 1;
}


/* A datagram for receive([size]) on a UDP object: 1 if one came at once,
** -1 if none was there, 0 on an error (the Lua code reports it). */
static int compatdgram(lua_State *L, Buf *b, Sock *s, lua_Number want) {
  char stack[8192];  /* LuaSocket's UDP_DATAGRAMSIZE, its default size */
  luaL_Buffer lb;
  size_t size = want > 0 ? (size_t)want : sizeof stack;
  char *p = size <= sizeof stack ? stack : luaL_buffinitsize(L, &lb, size);
  ssize_t n;
  do n = recv(s->fd, p, size, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int again = errno == EAGAIN || errno == EWOULDBLOCK;
    if (p != stack) {
      luaL_pushresultsize(&lb, 0);
      lua_pop(L, 1);
    }
    return again ? -1 : 0;
  }
  if (p == stack) lua_pushlstring(L, p, (size_t)n);
  else luaL_pushresultsize(&lb, (size_t)n);
  b->nin += (lua_Integer)n;
  return 1;
}

/* May receive wait here for the socket, nothing being buffered?  Only
** when the object has no total timeout and the socket's own timeout is
** its block timeout (what the Lua code would wait); *d is the deadline
** (that timeout, from the first wait).  Other waits are the Lua code's. */
static int compatcanwait(const Buf *b, const Sock *s, LsockDeadline *d) {
  if (b->total >= 0 || !((b->block < 0 && s->timeout < 0)
                         || b->block == s->timeout))
    return 0;
  *d = lsockI_deadline(s->timeout);
  return 1;
}

/* After a try that found nothing: wait (if compatcanwait says so) and
** try once more with fn.  1: the try brought something; 0: hand over;
** 2: the wait timed out (nil, "timeout" and, for a stream, "" pushed). */
static int compatwait(lua_State *L, const Buf *b, Sock *s, int stream) {
  LsockDeadline d;
  int err;
  if (!compatcanwait(b, s, &d)) return 0;
  err = lsockI_waitfd(s->fd, POLLIN, &d);
  if (err == ETIMEDOUT) {
    lua_pushnil(L);
    lua_pushliteral(L, "timeout");
    if (stream) lua_pushliteral(L, "");
    return 2;
  }
  return err == 0;
}

/* receive([pattern]) */
static int compatrecv(lua_State *L) {
  int n = lua_gettop(L), t, tries;
  size_t count = 0;
  int line = 1;
  Buf *b;
  if (n < 1 || n > 2 || lua_type(L, 1) != LUA_TTABLE) goto slow;
  t = lua_type(L, 2);
  if (t == LUA_TSTRING) {
    size_t len;
    const char *f = lua_tolstring(L, 2, &len);
    if (!((len == 2 && f[0] == '*' && f[1] == 'l')
          || (len == 1 && f[0] == 'l')))
      goto slow;
  } else if (t == LUA_TNUMBER) {
    lua_Number v = lua_tonumber(L, 2);
    if (!(v >= 1 && v < (lua_Number)(1 << 30))) goto slow;  /* 0: closed? */
    count = (size_t)v;
    line = 0;
  } else if (t != LUA_TNIL && t != LUA_TNONE) goto slow;
  if ((b = streambuf(L, 1)) == NULL) goto slow;
  if (b->maxline == 1) {  /* a UDP object: its buffer only counts */
    Sock *s = compatsock(L, 1, b);
    if (s != NULL && s->type == SOCK_DGRAM && t != LUA_TSTRING
        && (t != LUA_TNUMBER || (lua_isinteger(L, 2) && count > 0))) {
      lua_Number want = line ? -1 : (lua_Number)count;
      int r = compatdgram(L, b, s, want);
      if (r == -1) {
        r = compatwait(L, b, s, 0);
        if (r == 2) return 2;
        if (r == 1) r = compatdgram(L, b, s, want);
      }
      if (r == 1) return 1;
    }
    lua_settop(L, n);
    goto slow;
  }
  for (tries = 0; ; tries++) {
    if (line) {
      if (pushcrline(L, b)) return 1;
    } else if (b->end - b->start >= count) {
      lua_pushlstring(L, b->data + b->start, count);
      b->start += count;
      if (b->scan < b->start) b->scan = b->start;
      return 1;
    }
    if (tries == 1) break;
    {
      Sock *s = compatsock(L, 1, b);
      int r;
      if (s == NULL || s->type != SOCK_STREAM) break;
      r = compatfill(L, b, s);
      if (r == -1 && b->end == b->start) {
        r = compatwait(L, b, s, 1);
        if (r == 2) return 3;
        if (r == 1) r = compatfill(L, b, s);
      }
      if (r != 1) break;
    }
  }
  lua_settop(L, n);
slow:
  return handover(L, LUA_MULTRET);
}

/* send(data [, i [, j]]): LuaSocket's indices; the Lua send finishes a
** send that would block, from the first byte not sent. */
static int compatsend(lua_State *L) {
  int n = lua_gettop(L), isnum;
  size_t len;
  const char *data;
  lua_Integer i = 1, j = -1, sent;
  Buf *b;
  Sock *s;
  if (n < 2 || n > 4 || lua_type(L, 1) != LUA_TTABLE
      || lua_type(L, 2) != LUA_TSTRING)
    goto slow;
  data = lua_tolstring(L, 2, &len);
  if (n >= 3 && !lua_isnil(L, 3)) {
    i = lua_tointegerx(L, 3, &isnum);
    if (!isnum) goto slow;
  }
  if (n >= 4 && !lua_isnil(L, 4)) {
    j = lua_tointegerx(L, 4, &isnum);
    if (!isnum) goto slow;
  }
  if ((b = streambuf(L, 1)) == NULL) goto slow;
  if ((s = compatsock(L, 1, b)) == NULL) goto slow;
  if (s->type == SOCK_DGRAM) {  /* a connected UDP object: send(data) */
    ssize_t r;
    if (n > 2 || b->maxline != 1) goto slow;
    do r = send(s->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0) goto slow;
    b->nout += r;
    lua_pushinteger(L, r);
    return 1;
  }
  if (s->type != SOCK_STREAM || b->maxline == 1) goto slow;
  if (i < 0) i = (lua_Integer)len + i + 1;
  if (i < 1) i = 1;
  if (j < 0) j = (lua_Integer)len + j + 1;
  if (j > (lua_Integer)len) j = (lua_Integer)len;
  sent = i - 1;
  while (sent < j) {
    ssize_t r = send(s->fd, data + sent, (size_t)(j - sent),
                     MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r > 0) {
      sent += r;
      b->nout += r;
    } else if (r < 0 && errno == EINTR) continue;
    else break;
  }
  if (sent >= j) {
    lua_pushinteger(L, i - 1 > j ? i - 1 : j);
    return 1;
  }
  lua_settop(L, 2);
  lua_pushinteger(L, sent + 1);
  lua_pushinteger(L, j);
slow:
  return handover(L, LUA_MULTRET);
}


/* selscan(t, snap, out): for lsock.compat's select.  snap holds, for each
** entry of array t, the object and its socket at snapshot time (false for
** none).  nil when t no longer matches snap; else how many entries hold
** buffered bytes, added to out as LuaSocket's select gives them (an
** array, and each object a key giving its index).  Run on each call of a
** cached select, so that nothing is rebuilt while the set stays. */
static int lsock_selscan(lua_State *L) {
  lua_Integer i, n, nout, dirty = 0;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  lua_pushnil(L);                                         /* at 4 */
  n = (lua_Integer)lua_rawlen(L, 1);
  nout = (lua_Integer)lua_rawlen(L, 3);
  if ((lua_Integer)lua_rawlen(L, 2) != 2 * n) return 0;
  for (i = 1; i <= n; i++) {
    int same;
    Buf *b;
    if (lua_rawgeti(L, 1, i) != LUA_TTABLE) return 0;   /* at 5 */
    lua_rawgeti(L, 2, 2 * i - 1);
    same = lua_rawequal(L, 5, 6);
    lua_rawgeti(L, 2, 2 * i);                             /* at 7 */
    lua_rawgeti(L, 5, COMPAT_SOCK);                       /* at 8 */
    if (!same || !(lua_rawequal(L, 7, 8)
                   || (!lua_toboolean(L, 7) && lua_isnil(L, 8))))
      return 0;
    b = streambuf(L, 5);
    if (b != NULL && b->end > b->start) {
      lua_pushvalue(L, 5);
      lua_pushvalue(L, 5);  /* already in out (a dirty entry twice)? */
      if (lua_rawget(L, 3) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_rawseti(L, 3, ++nout);
        lua_pushvalue(L, 5);
        lua_pushinteger(L, nout);
        lua_rawset(L, 3);
        dirty++;
      } else lua_pop(L, 2);
    }
    lua_settop(L, 4);
  }
  lua_pushinteger(L, dirty);
  return 1;
}

/* walltime(): seconds since the epoch, with a fraction (lsock.compat's
** gettime: LuaSocket's is the wall clock). */
static int lsock_walltime(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
  return 1;
}

/* compat(luareceive, luasend, module): the receive and send methods. */
static int lsock_compat(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  luaL_checktype(L, 3, LUA_TTABLE);
  pushcompatup(L, 1, 3);
  lua_pushcclosure(L, compatrecv, COMPAT_NUP);
  pushcompatup(L, 2, 3);
  lua_pushcclosure(L, compatsend, COMPAT_NUP);
  return 2;
}


/* Module functions -------------------------------------------------------- */

/* Pushes a new, empty buffer (maxline > 0) with compat's timeouts. */
void lsockI_pushbuf(lua_State *L, lua_Integer maxline, double block,
                    double total) {
  Buf *b = (Buf *)lua_newuserdatauv(L, sizeof(Buf), 1);
  b->tag = &tag_value;
  b->sock = NULL;
  b->data = NULL;
  b->cap = b->start = b->end = b->scan = 0;
  b->mark = NOMARK;
  b->maxline = (size_t)maxline;
  b->nin = b->nout = 0;
  b->block = block;
  b->total = total;
  luaL_setmetatable(L, LSOCK_STREAMBUF);
}

/* The buffer at st[1] (st a table), if any: its timeouts set (compat's
** settimeout). */
void lsockI_bufsettimeouts(lua_State *L, int st, double block,
                           double total) {
  Buf *b = streambuf(L, st);
  if (b == NULL) return;
  b->block = block;
  b->total = total;
}

/* The buffer at st[1], if any: its unread bytes thrown away, as
** take(len()) (compat's close). */
void lsockI_bufdrop(lua_State *L, int st) {
  Buf *b = streambuf(L, st);
  if (b != NULL) b->start = b->scan = b->end;
}

/* buffer(maxline) */
static int lsock_buffer(lua_State *L) {
  lua_Integer maxline = luaL_checkinteger(L, 1);
  luaL_argcheck(L, maxline > 0, 1, "maxline must be positive");
  lsockI_pushbuf(L, maxline, -1, -1);
  return 1;
}

/* reader(luaread): the read method, falling back on luaread. */
static int lsock_reader(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_pushcclosure(L, fastread, 1);
  return 1;
}

/* lines(stream, luanext): an iterator of lines, falling back on luanext. */
static int lsock_lines(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  lua_pushvalue(L, 2);                      /* upvalue 1: luanext */
  lua_pushvalue(L, 1);                      /* upvalue 2: the stream */
  lua_pushcclosure(L, fastlines, 2);
  return 1;
}


/* Registration ------------------------------------------------------------ */

static const luaL_Reg bufmethods[] = {
  {"append", meth_append},
  {"len", meth_len},
  {"line", meth_line},
  {"take", meth_take},
  {"peek", meth_peek},
  {"setmark", meth_setmark},
  {"unmark", meth_unmark},
  {"rewind", meth_rewind},
  {"crline", meth_crline},
  {"counts", meth_counts},
  {"settimeouts", meth_settimeouts},
  {"setcounts", meth_setcounts},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"buffer", lsock_buffer},
  {"reader", lsock_reader},
  {"lines", lsock_lines},
  {"compat", lsock_compat},
  {"selscan", lsock_selscan},
  {"walltime", lsock_walltime},
  {NULL, NULL}
};

/* Called with the module table on top: the helpers of lsock.stream go in
** lsock.core._stream (not part of the API). */
void lsockI_open_stream(lua_State *L) {
  luaL_newmetatable(L, LSOCK_STREAMBUF);
  lua_pushcfunction(L, meth_gc);
  lua_setfield(L, -2, "__gc");
  luaL_newlib(L, bufmethods);
  lua_setfield(L, -2, "__index");  /* mt.__index = methods */
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  lua_setfield(L, -2, "_stream");
}
