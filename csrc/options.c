/*
** setsockopt/getsockopt from one table.  Each row gives an option's Lua
** level and name, its C level and constant, and the kind of its value;
** both calls read the row, so adding an option is one line.  Numeric
** levels/names missing from the table pass through raw, as in C.
*/
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include "lsock.h"

typedef enum Kind {
  K_BOOL,    /* int 0/1 <-> boolean (integers accepted) */
  K_INT,     /* int <-> integer */
  K_TIME,    /* struct timeval <-> seconds */
  K_LINGER,  /* struct linger <-> {onoff=, linger=} */
  K_STR      /* char[] <-> string (device, congestion names) */
} Kind;

typedef struct Opt {
  const char *levelname, *name;
  int level, optname;
  Kind kind;
} Opt;

#define S(n, c, k)   {"socket", n, SOL_SOCKET, c, k}
#define IP(n, c, k)  {"ip", n, IPPROTO_IP, c, k}
#define IP6(n, c, k) {"ipv6", n, IPPROTO_IPV6, c, k}
#define TCP(n, c, k) {"tcp", n, IPPROTO_TCP, c, k}
#define UDP(n, c, k) {"udp", n, IPPROTO_UDP, c, k}

static const Opt options[] = {
  S("type", SO_TYPE, K_INT),
  S("error", SO_ERROR, K_INT),
  S("acceptconn", SO_ACCEPTCONN, K_BOOL),
#ifdef SO_DOMAIN
  S("domain", SO_DOMAIN, K_INT),
  S("protocol", SO_PROTOCOL, K_INT),
#endif
  S("reuseaddr", SO_REUSEADDR, K_BOOL),
#ifdef SO_REUSEPORT
  S("reuseport", SO_REUSEPORT, K_BOOL),
#endif
  S("keepalive", SO_KEEPALIVE, K_BOOL),
  S("broadcast", SO_BROADCAST, K_BOOL),
  S("dontroute", SO_DONTROUTE, K_BOOL),
  S("oobinline", SO_OOBINLINE, K_BOOL),
  S("linger", SO_LINGER, K_LINGER),
  S("rcvbuf", SO_RCVBUF, K_INT),
  S("sndbuf", SO_SNDBUF, K_INT),
  S("rcvlowat", SO_RCVLOWAT, K_INT),
  S("sndlowat", SO_SNDLOWAT, K_INT),
  S("rcvtimeo", SO_RCVTIMEO, K_TIME),
  S("sndtimeo", SO_SNDTIMEO, K_TIME),
  IP("tos", IP_TOS, K_INT),
  IP("ttl", IP_TTL, K_INT),
  IP("multicast_ttl", IP_MULTICAST_TTL, K_INT),
  IP("multicast_loop", IP_MULTICAST_LOOP, K_BOOL),
  IP6("v6only", IPV6_V6ONLY, K_BOOL),
  IP6("unicast_hops", IPV6_UNICAST_HOPS, K_INT),
  IP6("multicast_hops", IPV6_MULTICAST_HOPS, K_INT),
  IP6("multicast_loop", IPV6_MULTICAST_LOOP, K_BOOL),
  TCP("nodelay", TCP_NODELAY, K_BOOL),
  TCP("maxseg", TCP_MAXSEG, K_INT),
#ifdef TCP_CORK
  TCP("cork", TCP_CORK, K_BOOL),
#endif
#ifdef TCP_KEEPIDLE
  TCP("keepidle", TCP_KEEPIDLE, K_INT),
  TCP("keepintvl", TCP_KEEPINTVL, K_INT),
  TCP("keepcnt", TCP_KEEPCNT, K_INT),
#endif
#ifdef TCP_CONGESTION
  TCP("congestion", TCP_CONGESTION, K_STR),
#endif
#ifdef UDP_CORK
  UDP("cork", UDP_CORK, K_BOOL),
#endif
  {NULL, NULL, 0, 0, K_INT}
};

static const struct { const char *name; int level; } levels[] = {
  {"socket", SOL_SOCKET}, {"ip", IPPROTO_IP}, {"ipv6", IPPROTO_IPV6},
  {"tcp", IPPROTO_TCP}, {"udp", IPPROTO_UDP}, {NULL, 0}
};

/* The level at arg 2: a number, or a name from 'levels'. */
static int checklevel(lua_State *L, const char **name) {
  const char *s;
  int i;
  *name = NULL;
  if (lua_type(L, 2) == LUA_TNUMBER) return (int)luaL_checkinteger(L, 2);
  s = luaL_checkstring(L, 2);
  for (i = 0; levels[i].name; i++)
    if (strcmp(levels[i].name, s) == 0) {
      *name = levels[i].name;
      return levels[i].level;
    }
  return luaL_argerror(L, 2, lua_pushfstring(L, "unknown level '%s'", s));
}

/* The row for the level at 2 and name at 3, or NULL with *level and
** *optname set for a raw (numeric, unknown) option. */
static const Opt *checkopt(lua_State *L, int *level, int *optname) {
  const char *lname, *name;
  const Opt *o;
  *level = checklevel(L, &lname);
  if (lua_type(L, 3) == LUA_TNUMBER) {
    *optname = (int)luaL_checkinteger(L, 3);
    for (o = options; o->name; o++)
      if (o->level == *level && o->optname == *optname) return o;
    return NULL;
  }
  name = luaL_checkstring(L, 3);
  for (o = options; o->name; o++)
    if (o->level == *level && strcmp(o->name, name) == 0) return o;
  return luaL_argerror(L, 3, lua_pushfstring(L, "unknown option '%s' at "
                       "level '%s'", name, lname ? lname : "numeric")),
         NULL;
}

static int kinderror(lua_State *L, const Opt *o, const char *expected) {
  return luaL_argerror(L, 4, lua_pushfstring(L, "%s expected for option "
                       "'%s'", expected, o->name));
}

static int toint(lua_State *L, const Opt *o, int arg, int isbool) {
  int isnum;
  lua_Integer v;
  if (isbool && lua_isboolean(L, arg)) return lua_toboolean(L, arg);
  v = lua_tointegerx(L, arg, &isnum);
  if (!isnum) return kinderror(L, o, isbool ? "boolean" : "integer");
  if (v < INT_MIN || v > INT_MAX)
    return luaL_argerror(L, arg, "value out of range");
  return (int)v;
}

static int meth_setsockopt(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  int level, optname, i;
  const Opt *o = checkopt(L, &level, &optname);
  union { int i; struct timeval tv; struct linger lg; } v;
  const void *p = &v;
  socklen_t len = sizeof v.i;
  if (o == NULL) {  /* raw: an integer or the bytes themselves */
    if (lua_type(L, 4) == LUA_TSTRING) {
      size_t n;
      p = lua_tolstring(L, 4, &n);
      len = (socklen_t)n;
    } else {
      Opt raw = {NULL, "raw", 0, 0, K_INT};
      raw.name = "(raw)";
      v.i = toint(L, &raw, 4, 1);
    }
  } else {
    level = o->level;
    optname = o->optname;
    switch (o->kind) {
      case K_BOOL: case K_INT:
        v.i = toint(L, o, 4, o->kind == K_BOOL);
        break;
      case K_TIME: {
        double t;
        if (lua_type(L, 4) != LUA_TNUMBER) kinderror(L, o, "seconds");
        t = lua_tonumber(L, 4);
        luaL_argcheck(L, t >= 0 && t < 1e15, 4, "seconds out of range");
        v.tv.tv_sec = (time_t)t;
        v.tv.tv_usec = (suseconds_t)((t - (double)v.tv.tv_sec) * 1e6);
        len = sizeof v.tv;
        break;
      }
      case K_LINGER:
        if (!lua_istable(L, 4)) kinderror(L, o, "table {onoff=, linger=}");
        lua_getfield(L, 4, "onoff");
        lua_getfield(L, 4, "linger");
        i = (int)lua_tointeger(L, -1);
        luaL_argcheck(L, i >= 0, 4, "linger must not be negative");
        v.lg.l_onoff = lua_toboolean(L, -2)
                       && !(lua_isinteger(L, -2) && lua_tointeger(L, -2) == 0);
        v.lg.l_linger = i;
        len = sizeof v.lg;
        break;
      case K_STR: {
        size_t n;
        if (lua_type(L, 4) != LUA_TSTRING) kinderror(L, o, "string");
        p = lua_tolstring(L, 4, &n);
        len = (socklen_t)n;
        break;
      }
    }
  }
  if (setsockopt(s->fd, level, optname, p, len) == -1)
    return lsockI_fail(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}

static int meth_getsockopt(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  int level, optname;
  const Opt *o = checkopt(L, &level, &optname);
  union { int i; struct timeval tv; struct linger lg; char b[256]; } v;
  socklen_t len = sizeof v.i;
  memset(&v, 0, sizeof v);
  if (o == NULL) {
    if (!lua_isnoneornil(L, 4)) {  /* raw bytes, as many as asked */
      lua_Integer n = luaL_checkinteger(L, 4);
      luaL_Buffer b;
      char *p;
      luaL_argcheck(L, n >= 0 && n <= 65536, 4, "size out of range");
      p = luaL_buffinitsize(L, &b, (size_t)n);
      len = (socklen_t)n;
      if (getsockopt(s->fd, level, optname, p, &len) == -1)
        return lsockI_fail(L, errno);
      luaL_pushresultsize(&b, len);
      return 1;
    }
  } else {
    level = o->level;
    optname = o->optname;
    if (o->kind == K_TIME) len = sizeof v.tv;
    else if (o->kind == K_LINGER) len = sizeof v.lg;
    else if (o->kind == K_STR) len = sizeof v.b - 1;
  }
  if (getsockopt(s->fd, level, optname, &v, &len) == -1)
    return lsockI_fail(L, errno);
  switch (o ? o->kind : K_INT) {
    case K_BOOL: lua_pushboolean(L, v.i != 0); break;
    case K_INT: lua_pushinteger(L, v.i); break;
    case K_TIME:
      lua_pushnumber(L, (double)v.tv.tv_sec + (double)v.tv.tv_usec * 1e-6);
      break;
    case K_LINGER:
      lua_createtable(L, 0, 2);
      lua_pushboolean(L, v.lg.l_onoff != 0);
      lua_setfield(L, -2, "onoff");
      lua_pushinteger(L, v.lg.l_linger);
      lua_setfield(L, -2, "linger");
      break;
    case K_STR:
      lua_pushstring(L, v.b);  /* NUL-terminated: the union was zeroed */
      break;
  }
  return 1;
}

static const luaL_Reg methods[] = {
  {"setsockopt", meth_setsockopt},
  {"getsockopt", meth_getsockopt},
  {NULL, NULL}
};

/* Called with the module table on top: adds the methods to sockets. */
void lsockI_open_options(lua_State *L) {
  luaL_getmetatable(L, LSOCK_SOCKET);
  lua_getfield(L, -1, "__index");
  lsockI_addmethods(L, methods);
  lua_pop(L, 2);
}
