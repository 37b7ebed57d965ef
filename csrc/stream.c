/*
** The read buffer of lsock.stream, in C because bench/lines.py showed the
** Lua one at 0.2x of C fgets.  The Lua code keeps all I/O (so that sockets
** wrapped by lsock.loop can yield); this file only holds bytes and finds
** lines.  read() and lines() answer from here when a whole line is
** buffered, and otherwise hand over to the Lua code with lua_callk, which
** keeps them yieldable.
*/
#include "compat.h"

#include <string.h>

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
} Buf;


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

/* append(data): after the unread bytes (room is made by dropping what was
** read, then by growing). */
static int meth_append(lua_State *L) {
  Buf *b = checkbuf(L);
  size_t len, keep, live;
  const char *s = luaL_checklstring(L, 2, &len);
  if (len == 0) return 0;  /* data may still be NULL: no memcpy */
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
  memcpy(b->data + b->end, s, len);
  b->end += len;
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


/* Module functions -------------------------------------------------------- */

/* buffer(maxline) */
static int lsock_buffer(lua_State *L) {
  lua_Integer maxline = luaL_checkinteger(L, 1);
  Buf *b = (Buf *)lua_newuserdatauv(L, sizeof(Buf), 0);
  luaL_argcheck(L, maxline > 0, 1, "maxline must be positive");
  b->tag = &tag_value;
  b->data = NULL;
  b->cap = b->start = b->end = b->scan = 0;
  b->mark = NOMARK;
  b->maxline = (size_t)maxline;
  luaL_setmetatable(L, LSOCK_STREAMBUF);
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
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"buffer", lsock_buffer},
  {"reader", lsock_reader},
  {"lines", lsock_lines},
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
