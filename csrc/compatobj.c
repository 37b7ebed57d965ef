/*
** lsock.compat's connect, settimeout and close, in C (lsock.core._compat).
** A compat object (lua/lsock/compat.lua) is a Lua table whose fields are
** in its array part, at the indices below (compat.lua's constants: keep
** the two in step).  A LuaSocket client is made, connected and closed for
** every request in much of the code compat runs (socket.http, copas): in
** Lua the three calls cost more than LuaSocket's whole connection
** (bench/RESULTS-compat.md).  Each closure here does the common case and
** hands every other one, unchanged, to the Lua method it was made with
** (upvalue 1), so that the rules stay in one place: connect takes a
** numeric address of a master that has no socket yet (anything to resolve,
** a bound master and the other kinds go to Lua); settimeout takes a
** number or nil on a compat object; close takes any table.
*/
#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "lsock.h"

enum { BUF = 1, SOCK, FAMILY, KIND, BLOCK, TOTAL, CORET, RX, TX, BIRTH,
       FIXED };

/* Hands the call to the Lua method (upvalue 1) with every argument. */
static int tolua(lua_State *L) {
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

static double numberat(lua_State *L, int t, int i) {
  double v;
  lua_rawgeti(L, t, i);
  v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

/* Whether t[i] is nil (raw). */
static int nilat(lua_State *L, int t, int i) {
  int isnil = lua_rawgeti(L, t, i) == LUA_TNIL;
  lua_pop(L, 1);
  return isnil;
}

/* Whether the value at idx has the metatable at upvalue up. */
static int hasmeta(lua_State *L, int idx, int up) {
  int same = 0;
  if (lua_getmetatable(L, idx)) {
    same = lua_rawequal(L, -1, lua_upvalueindex(up));
    lua_pop(L, 1);
  }
  return same;
}

/* The address of a numeric host in the family asked for (0: any), as
** getaddrinfo gives it for such a host: 1, or 0 if host is not one. */
static int numeric(const char *host, size_t len, int family, int port,
                   Addr *a) {
  memset(a, 0, sizeof *a);
  if (strlen(host) != len) return 0;
  if (family != AF_INET6) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
      sin->sin_family = AF_INET;
      sin->sin_port = htons((unsigned short)port);
      a->len = sizeof *sin;
      return 1;
    }
  }
  if (family != AF_INET) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons((unsigned short)port);
      a->len = sizeof *sin6;
      return 1;
    }
  }
  return 0;
}

/* nil, LuaSocket's wording for err (upvalue 4: errno -> text) or lsock's
** message. */
static int fail(lua_State *L, int err) {
  lsockI_pusherr(L, err);                      /* nil, msg, errno */
  if (lua_rawgeti(L, lua_upvalueindex(4), err) == LUA_TSTRING)
    lua_replace(L, -3);
  else lua_pop(L, 1);
  lua_pop(L, 1);
  return 2;
}

/* connect(self, host, port): upvalues the Lua connect, tcp{master},
** tcp{client} and the wording of errors. */
static int compat_connect(lua_State *L) {
  size_t len;
  const char *host, *fam;
  lua_Integer port;
  int family = 0, err;
  double block, total, r;
  Addr a;
  Sock *s;
  if (lua_gettop(L) != 3 || lua_type(L, 2) != LUA_TSTRING
      || !lua_isinteger(L, 3) || !hasmeta(L, 1, 2)
      || !nilat(L, 1, SOCK) || !nilat(L, 1, FIXED))
    return tolua(L);
  port = lua_tointeger(L, 3);
  host = lua_tolstring(L, 2, &len);
  if (lua_rawgeti(L, 1, FAMILY) == LUA_TSTRING) {
    fam = lua_tostring(L, -1);
    if (strcmp(fam, "inet") == 0) family = AF_INET;
    else if (strcmp(fam, "inet6") == 0) family = AF_INET6;
    else family = -1;
  } else if (!lua_isnil(L, -1)) {
    family = -1;
  }
  lua_settop(L, 3);
  if (family < 0 || port < 0 || port > 65535
      || !numeric(host, len, family, (int)port, &a))
    return tolua(L);
  /* What is left to wait: the shorter of the block and total timeouts
  ** (compat.lua's retry at the start). */
  block = numberat(L, 1, BLOCK);
  total = numberat(L, 1, TOTAL);
  r = block;
  if (total >= 0 && (block < 0 || total < block)) r = total;
  s = NULL;
  if ((err = lsockI_opensock(L, a.ss.ss_family, SOCK_STREAM, 0)) == 0) {
    s = (Sock *)lua_touserdata(L, 4);        /* the socket at 4 */
    lua_pushvalue(L, 4);
    lua_rawseti(L, 1, SOCK);
    lua_pushboolean(L, 0);                   /* its timeout not yet set */
    lua_rawseti(L, 1, CORET);
    /* NaN: no limit, as compat.lua's arm (r >= 0 and r or nil) */
    if ((err = lsockI_settimeout(s, r == r ? r : -1)) == 0) {
      lua_pushnumber(L, r);
      lua_rawseti(L, 1, CORET);
      err = lsockI_connectaddr(s, &a);
    }
  }
  /* A client from here on, connected or not (and a failed socket is
  ** kept), as compat.lua's connect. */
  lua_pushvalue(L, lua_upvalueindex(3));
  lua_setmetatable(L, 1);
  if (lua_rawgeti(L, 1, BUF) == LUA_TNIL) {
    lsockI_pushbuf(L, LUA_MAXINTEGER, block, total);
    lua_rawseti(L, 1, BUF);
  }
  if (err != 0) return fail(L, err);
  lua_pushinteger(L, 1);
  return 1;
}

/* settimeout(self, t [, mode]): upvalues the Lua settimeout and the set
** of compat classes (metatable -> true). */
static int compat_settimeout(lua_State *L) {
  int n = lua_gettop(L), total = 0, known = 0;
  double t = -1;
  if (lua_type(L, 1) == LUA_TTABLE && lua_getmetatable(L, 1)) {
    known = lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL;
    lua_settop(L, n);
  }
  if (!known) return tolua(L);
  if (lua_type(L, 2) == LUA_TNUMBER) t = lua_tonumber(L, 2);
  else if (!lua_isnoneornil(L, 2)) return tolua(L);
  if (lua_type(L, 3) == LUA_TSTRING) {
    const char *m = lua_tostring(L, 3);
    total = strcmp(m, "t") == 0 || strcmp(m, "r") == 0;
  }
  lua_pushnumber(L, t);
  lua_rawseti(L, 1, total ? TOTAL : BLOCK);
  lsockI_bufsettimeouts(L, 1, numberat(L, 1, BLOCK), numberat(L, 1, TOTAL));
  lua_pushinteger(L, 1);
  return 1;
}

/* close(self): upvalue the Lua close.  The socket's own close method is
** called (lsock.loop interposes it for the sockets it watches). */
static int compat_close(lua_State *L) {
  if (lua_type(L, 1) != LUA_TTABLE) return tolua(L);
  if (lua_rawgeti(L, 1, SOCK) != LUA_TNIL) {
    lua_getfield(L, -1, "close");
    lua_insert(L, -2);
    lua_call(L, 1, 0);
    lua_pushnil(L);
    lua_rawseti(L, 1, SOCK);
  }
  lsockI_bufdrop(L, 1);
  lua_pushinteger(L, 1);
  return 1;
}

/* The method f over its Lua method (argument 1) and n - 1 tables. */
static int method(lua_State *L, lua_CFunction f, int n) {
  int i;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  for (i = 2; i <= n; i++) luaL_checktype(L, i, LUA_TTABLE);
  lua_settop(L, n);
  lua_pushcclosure(L, f, n);
  return 1;
}

/* connect(luaconnect, master, client, wording) -> the method */
static int new_connect(lua_State *L) {
  return method(L, compat_connect, 4);
}

/* settimeout(luasettimeout, classes) -> the method */
static int new_settimeout(lua_State *L) {
  return method(L, compat_settimeout, 2);
}

/* close(luaclose) -> the method */
static int new_close(lua_State *L) {
  return method(L, compat_close, 1);
}

static const luaL_Reg funcs[] = {
  {"connect", new_connect},
  {"settimeout", new_settimeout},
  {"close", new_close},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_compatobj(lua_State *L) {
  luaL_newlib(L, funcs);
  lua_setfield(L, -2, "_compat");
}
