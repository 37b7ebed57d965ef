/*
** The sockaddr userdata and name resolution.  An Addr is a sockaddr of any
** family plus its exact length, so unix abstract names (which may hold NUL
** bytes) survive every round trip.  Methods that take an address accept an
** Addr, "host", port (resolved in the socket's family), or a unix path.
*/
#include "compat.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <net/if.h>

#include "lsock.h"

/*** A socket address, as lsock.addr, getsockname, getpeername, accept
and recvfrom return it; every call that takes an address takes one.
Its fields are read-only: `family` ("inet", "inet6", "unix"), `host`,
`port`, `flowinfo` and `scope_id` (inet6), `path` (unix; "" for an
unnamed peer); it prints as "127.0.0.1:80", "[::1]:80" or the path, and
two addresses compare equal with `==` when they are the same address.
@type sockaddr
@usage local a = lsock.addr("::1", 8080)
print(a.family, a.host, a.port, a)  --> inet6  ::1  8080  [::1]:8080
*/

#define SUN_OFF   offsetof(struct sockaddr_un, sun_path)
#define SUN_MAX   sizeof(((struct sockaddr_un *)0)->sun_path)

#define sin(a)    ((struct sockaddr_in *)&(a)->ss)
#define sin6(a)   ((struct sockaddr_in6 *)&(a)->ss)
#define sun(a)    ((struct sockaddr_un *)&(a)->ss)
#define csin(a)   ((const struct sockaddr_in *)&(a)->ss)
#define csin6(a)  ((const struct sockaddr_in6 *)&(a)->ss)
#define csun(a)   ((const struct sockaddr_un *)&(a)->ss)


/* Helpers ----------------------------------------------------------------- */

/* gai errors: nil, gai_strerror(code), code (EAI_SYSTEM: the errno). */
static int gaifail(lua_State *L, int code) {
  if (code == EAI_SYSTEM) return lsockI_fail(L, errno);
  luaL_pushfail(L);
  lua_pushstring(L, gai_strerror(code));
  lua_pushinteger(L, code);
  return 3;
}

/* A unix address from the string at arg: "" is unnamed (bind autobinds),
** a leading NUL is the abstract namespace, kept by exact length. */
static void makeunix(lua_State *L, int arg, Addr *a) {
  size_t len;
  const char *path = luaL_checklstring(L, arg, &len);
  memset(a, 0, sizeof *a);
  sun(a)->sun_family = AF_UNIX;
  if (len > 0 && path[0] == '\0') {
    if (len > SUN_MAX)
      luaL_argerror(L, arg, lua_pushfstring(L,
                    "unix path too long (%d bytes, at most %d)",
                    (int)len, (int)SUN_MAX));
    memcpy(sun(a)->sun_path, path, len);
    a->len = (socklen_t)(SUN_OFF + len);
    return;
  }
  if (strlen(path) != len)
    luaL_argerror(L, arg, "unix path contains a NUL byte");
  if (len >= SUN_MAX)
    luaL_argerror(L, arg, lua_pushfstring(L,
                  "unix path too long (%d bytes, at most %d)",
                  (int)len, (int)SUN_MAX - 1));
  memcpy(sun(a)->sun_path, path, len);
  a->len = (socklen_t)(SUN_OFF + (len ? len + 1 : 0));
}

/* The port at arg: an integer 0-65535, a numeric string, or (when
** 'service' is given) a service name left for getaddrinfo. */
static int checkport(lua_State *L, int arg, const char **service) {
  lua_Integer p;
  int isnum;
  if (service) *service = NULL;
  p = lua_tointegerx(L, arg, &isnum);
  if (!isnum) {
    if (service && lua_type(L, arg) == LUA_TSTRING) {
      *service = lua_tostring(L, arg);
      return 0;
    }
    return luaL_typeerror(L, arg, "port number");
  }
  luaL_argcheck(L, p >= 0 && p <= 65535, arg, "port out of range");
  return (int)p;
}

static void setport(Addr *a, int port) {
  if (a->ss.ss_family == AF_INET) sin(a)->sin_port = htons((uint16_t)port);
  else if (a->ss.ss_family == AF_INET6)
    sin6(a)->sin6_port = htons((uint16_t)port);
}

static int wildcard(Addr *a, int family) {
  memset(a, 0, sizeof *a);
  if (family == AF_INET6) {
    sin6(a)->sin6_family = AF_INET6;
    sin6(a)->sin6_addr = in6addr_any;
    a->len = sizeof(struct sockaddr_in6);
  } else {
    sin(a)->sin_family = AF_INET;
    sin(a)->sin_addr.s_addr = htonl(INADDR_ANY);
    a->len = sizeof(struct sockaddr_in);
  }
  return 0;
}

/* Numeric literals without a scope, parsed without getaddrinfo. */
static int numeric(Addr *a, const char *host, int family) {
  memset(a, 0, sizeof *a);
  if (family != AF_INET6
      && inet_pton(AF_INET, host, &sin(a)->sin_addr) == 1) {
    sin(a)->sin_family = AF_INET;
    a->len = sizeof(struct sockaddr_in);
    return 1;
  }
  if (family != AF_INET
      && inet_pton(AF_INET6, host, &sin6(a)->sin6_addr) == 1) {
    sin6(a)->sin6_family = AF_INET6;
    a->len = sizeof(struct sockaddr_in6);
    return 1;
  }
  return 0;
}

/* resolve's failure: lsock.addr (AI_NUMERICHOST) says "invalid
** address", the others give getaddrinfo's nil, msg, EAI code. */
static int resolvefail(lua_State *L, int flags, int eai) {
  if (flags & AI_NUMERICHOST) {
    luaL_pushfail(L);
    lua_pushliteral(L, "invalid address");
    return 2;
  }
  return gaifail(L, eai);
}

/* host at arg, port at arg + 1 -> a.  'flags' are extra AI_ flags
** (AI_NUMERICHOST for lsock.addr).  Returns 0, or pushes a failure and
** returns the number of values pushed. */
static int resolve(lua_State *L, int arg, int family, int socktype,
                   int flags, Addr *a) {
  size_t hlen;
  const char *host = luaL_checklstring(L, arg, &hlen);
  const char *service = NULL;
  int port = checkport(L, arg + 1, (flags & AI_NUMERICHOST) ? NULL
                                                             : &service);
  struct addrinfo hints, *res;
  int r;
  if (flags & AI_NUMERICHOST) service = NULL;
  /* The library's one rule for names: C would see only the text before a
  ** NUL ("127.0.0.1\0.example.com" is 127.0.0.1), so a host or service
  ** holding one names nothing and fails as an unknown name would. */
  if (strlen(host) != hlen
      || (service && strlen(service) != lua_rawlen(L, arg + 1)))
    return resolvefail(L, flags, EAI_NONAME);
  if (strcmp(host, "*") == 0) {
    wildcard(a, family);
    if (service == NULL) { setport(a, port); return 0; }
    host = NULL;
    flags |= AI_PASSIVE;
  } else if (service == NULL && numeric(a, host, family)) {
    setport(a, port);
    return 0;
  }
  memset(&hints, 0, sizeof hints);
  hints.ai_family = family;
  hints.ai_socktype = (socktype == SOCK_STREAM || socktype == SOCK_DGRAM)
                      ? socktype : 0;
  /* An IPv6 socket reaches IPv4 hosts through mapped addresses. */
  hints.ai_flags = flags | (family == AF_INET6 ? AI_V4MAPPED : 0);
  if (service == NULL) hints.ai_flags |= AI_NUMERICSERV;
  r = getaddrinfo(host, service, &hints, &res);
  if (r != 0) return resolvefail(L, flags, r);
  memset(a, 0, sizeof *a);
  memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
  a->len = res->ai_addrlen;
  freeaddrinfo(res);
  if (service == NULL) setport(a, port);
  return 0;
}


/* The userdata ------------------------------------------------------------ */

Addr *lsockI_pushaddr(lua_State *L, const struct sockaddr *sa,
                      socklen_t len) {
  Addr *a = (Addr *)lua_newuserdatauv(L, sizeof(Addr), 0);
  if (len > sizeof a->ss) len = sizeof a->ss;
  memset(a, 0, sizeof *a);
  memcpy(&a->ss, sa, len);
  a->len = len;
  luaL_setmetatable(L, LSOCK_ADDR);
  return a;
}

Addr *lsockI_testaddr(lua_State *L, int arg) {
  return (Addr *)luaL_testudata(L, arg, LSOCK_ADDR);
}

static Addr *checkaddr(lua_State *L, int arg) {
  return (Addr *)luaL_checkudata(L, arg, LSOCK_ADDR);
}

int lsockI_getaddr(lua_State *L, int arg, const Sock *s, Addr *out,
                   int *nargs) {
  const Addr *a = lsockI_testaddr(L, arg);
  int family = s ? s->family : AF_UNSPEC;
  *nargs = 1;
  if (a) {
    *out = *a;
    return 0;
  }
  if (lua_type(L, arg) != LUA_TSTRING)
    return luaL_typeerror(L, arg, family == AF_UNIX ? "sockaddr or path"
                                                    : "sockaddr or host");
  if (family == AF_UNIX) {
    makeunix(L, arg, out);
    return 0;
  }
  *nargs = 2;
  return resolve(L, arg, family, s ? s->type : 0, 0, out);
}

/* The numeric host of an inet/inet6 address, with "%scope" if any. */
static void pushhost(lua_State *L, const Addr *a) {
  char host[NI_MAXHOST];
  if (getnameinfo((const struct sockaddr *)&a->ss, a->len, host, sizeof host,
                  NULL, 0, NI_NUMERICHOST) != 0)
    host[0] = '\0';
  lua_pushstring(L, host);
}

static int getportnum(const Addr *a) {
  if (a->ss.ss_family == AF_INET) return ntohs(csin(a)->sin_port);
  return ntohs(csin6(a)->sin6_port);
}

/* The path of a unix address: "" unnamed, abstract names exact. */
static void pushpath(lua_State *L, const Addr *a) {
  size_t n = a->len > SUN_OFF ? a->len - SUN_OFF : 0;
  const char *p = csun(a)->sun_path;
  if (n > 0 && p[0] != '\0') n = strnlen(p, n);
  lua_pushlstring(L, p, n);
}

/* 127.0.0.1:80, [::1]:80, /run/x.sock, @abstract, (unnamed) */
int lsockI_addrtostring(lua_State *L, const Addr *a) {
  switch (a->ss.ss_family) {
    case AF_INET:
      pushhost(L, a);
      lua_pushfstring(L, "%s:%d", lua_tostring(L, -1), getportnum(a));
      break;
    case AF_INET6:
      pushhost(L, a);
      lua_pushfstring(L, "[%s]:%d", lua_tostring(L, -1), getportnum(a));
      break;
    case AF_UNIX: {
      size_t n, i;
      pushpath(L, a);
      if (lua_rawlen(L, -1) == 0) {
        lua_pushliteral(L, "(unnamed)");
        break;
      }
      if (lua_tostring(L, -1)[0] != '\0') return 1;
      { /* abstract: NUL bytes shown as '@', as ss(8) does */
        luaL_Buffer b;
        const char *p = lua_tolstring(L, -1, &n);
        luaL_buffinit(L, &b);
        for (i = 0; i < n; i++) luaL_addchar(&b, p[i] ? p[i] : '@');
        luaL_pushresult(&b);
      }
      break;
    }
    default:
      if (lsockI_linktostring(L, a)) return 1;  /* netlink, packet */
      lua_pushfstring(L, "(family %d)", (int)a->ss.ss_family);
      return 1;
  }
  lua_remove(L, -2);
  return 1;
}

static int addr_tostring(lua_State *L) {
  return lsockI_addrtostring(L, checkaddr(L, 1));
}

static int addr_eq(lua_State *L) {
  const Addr *a = lsockI_testaddr(L, 1), *b = lsockI_testaddr(L, 2);
  lua_pushboolean(L, a && b && a->len == b->len
                       && memcmp(&a->ss, &b->ss, a->len) == 0);
  return 1;
}

/*** The address's parts.
@function sockaddr:unpack
@treturn string host (or the path of a unix address)
@treturn int port (inet and inet6)
@usage local host, port = from:unpack()
*/
/* a:unpack() -> host, port (inet, inet6) or path (unix). */
static int addr_unpack(lua_State *L) {
  const Addr *a = checkaddr(L, 1);
  switch (a->ss.ss_family) {
    case AF_INET: case AF_INET6:
      pushhost(L, a);
      lua_pushinteger(L, getportnum(a));
      return 2;
    case AF_UNIX:
      pushpath(L, a);
      return 1;
    default:
      return 0;
  }
}

/* Fields: family, host, port, path, flowinfo, scope_id; method unpack. */
static int addr_index(lua_State *L) {
  const Addr *a = checkaddr(L, 1);
  const char *k = luaL_checkstring(L, 2);
  int fam = a->ss.ss_family, ip = fam == AF_INET || fam == AF_INET6;
  if (strcmp(k, "family") == 0) lsockI_pushfamily(L, fam);
  else if (strcmp(k, "host") == 0 && ip) pushhost(L, a);
  else if (strcmp(k, "port") == 0 && ip) lua_pushinteger(L, getportnum(a));
  else if (strcmp(k, "path") == 0 && fam == AF_UNIX) pushpath(L, a);
  else if (strcmp(k, "flowinfo") == 0 && fam == AF_INET6)
    lua_pushinteger(L, ntohl(csin6(a)->sin6_flowinfo));
  else if (strcmp(k, "scope_id") == 0 && fam == AF_INET6)
    lua_pushinteger(L, csin6(a)->sin6_scope_id);
  else if (strcmp(k, "unpack") == 0) lua_pushcfunction(L, addr_unpack);
  else if (!lsockI_linkindex(L, a, k)) lua_pushnil(L);
  return 1;
}


/* Module functions -------------------------------------------------------- */

/*** Make an address: a numeric host and port, a unix path, or a table.
The table form takes every family: `{family="inet", host=, port=}`,
`"inet6"` (also `scope`, `flowinfo`), `"unix"` (`path`), `"netlink"`
(`pid`, `groups`) and `"packet"` (`ifindex`, `protocol`, `hatype`,
`pkttype`, `address` = hardware address bytes); see doc/netlink.md.
`{family="unspec"}` is the empty address: a datagram socket connected to
it is connected no more (connect(2)).
@function addr
@tparam string|table host "127.0.0.1", "::1", "fe80::1%lo", "*" (wildcard), a unix
  path ("\0name" is abstract), or a table `{family=, ...}` (`{family="unspec"}`:
  connecting a datagram socket to it disconnects it)
@tparam[opt] int port with a host
@tparam[opt] string family of the "*" wildcard (default "inet")
@treturn sockaddr fields family, host, port, path, flowinfo, scope_id; pid,
  groups (netlink); ifindex, protocol, hatype, pkttype, address (packet)
@return[2] nil, "invalid address"
@usage local a = lsock.addr("127.0.0.1", 80); print(a, a.port)
local k = lsock.addr{family = "netlink", groups = 0x10}
@see inet_pton(3)
*/
/* lsock.addr(host, port [, family]) or lsock.addr(path). */
static int lsock_addr(lua_State *L) {
  Addr a;
  int r;
  if (lua_type(L, 1) == LUA_TTABLE) {  /* {family = ...}: link.c */
    int top = lua_gettop(L), family = lsockI_tableaddr(L, 1, &a);
    if (family == AF_UNIX) makeunix(L, top + 1, &a);
    else if (family != 0) {
      if ((r = resolve(L, top + 1, family, 0, AI_NUMERICHOST, &a)) != 0)
        return r;
      if (family == AF_INET6) lsockI_tablefix(L, 1, &a);
    }
  } else if (lua_isnoneornil(L, 2)) {
    makeunix(L, 1, &a);
  } else {
    int family = lsockI_checkfamily(L, 3, AF_UNSPEC);
    luaL_argcheck(L, family == AF_UNSPEC || family == AF_INET
                     || family == AF_INET6, 3, "inet or inet6 expected");
    if (strcmp(luaL_checkstring(L, 1), "*") == 0 && family == AF_UNSPEC)
      family = AF_INET;
    if ((r = resolve(L, 1, family, 0, AI_NUMERICHOST, &a)) != 0) return r;
  }
  lsockI_pushaddr(L, lsockI_sa(&a), a.len);
  return 1;
}

static const LsockName aiflags[] = {
  {"passive", AI_PASSIVE}, {"canonname", AI_CANONNAME},
  {"numerichost", AI_NUMERICHOST}, {"numericserv", AI_NUMERICSERV},
  {"v4mapped", AI_V4MAPPED}, {"all", AI_ALL}, {"addrconfig", AI_ADDRCONFIG},
#ifdef AI_IDN  /* glibc: internationalized names, in and out */
  {"idn", AI_IDN}, {"canonidn", AI_CANONIDN},
#endif
  {NULL, 0}
}, niflags[] = {
  {"numerichost", NI_NUMERICHOST}, {"numericserv", NI_NUMERICSERV},
  {"namereqd", NI_NAMEREQD}, {"dgram", NI_DGRAM}, {"nofqdn", NI_NOFQDN},
#ifdef NI_IDN
  {"idn", NI_IDN},
#endif
  {NULL, 0}
};

static void freeai(void *p) {
  freeaddrinfo((struct addrinfo *)p);
}

/* getaddrinfo's list -> the array of answers (run by lsockI_buildfrom). */
static int buildai(lua_State *L) {
  const struct addrinfo *ai = (const struct addrinfo *)lua_touserdata(L, 1);
  int i;
  lua_newtable(L);
  for (i = 1; ai; ai = ai->ai_next, i++) {
    lua_createtable(L, 0, 5);
    lsockI_pushfamily(L, ai->ai_family);
    lua_setfield(L, -2, "family");
    lsockI_pushtype(L, ai->ai_socktype);
    lua_setfield(L, -2, "socktype");
    lua_pushinteger(L, ai->ai_protocol);
    lua_setfield(L, -2, "protocol");
    lsockI_pushaddr(L, ai->ai_addr, ai->ai_addrlen);
    lua_setfield(L, -2, "addr");
    if (ai->ai_canonname) {
      lua_pushstring(L, ai->ai_canonname);
      lua_setfield(L, -2, "canonname");
    }
    lua_rawseti(L, -2, i);
  }
  return 1;
}

/* Checks lsock.getaddrinfo's arguments (1 to 3) into g; host and service
** point into the stack.  Returns 0, or for a name that can match nothing
** the number of results pushed (nil, msg, EAI_NONAME). */
int lsockI_gaiargs(lua_State *L, GaiArgs *g) {
  memset(g, 0, sizeof *g);
  g->host = luaL_optstring(L, 1, NULL);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    /* 80.0 is port 80: the text is made from the integer */
    lua_pushfstring(L, "%d", checkport(L, 2, NULL));
    lua_replace(L, 2);
    g->service = lua_tostring(L, 2);
  } else {
    g->service = luaL_optstring(L, 2, NULL);
  }
  luaL_argcheck(L, g->host || g->service, 1, "host or service expected");
  /* C would see only the text before a NUL: such a name matches nothing */
  if ((g->host && strlen(g->host) != lua_rawlen(L, 1))
      || (g->service && strlen(g->service) != lua_rawlen(L, 2)))
    return gaifail(L, EAI_NONAME);
  if (!lua_isnoneornil(L, 3)) {
    /* Each hint is moved to slot 3 so that a bad one is reported as
    ** argument #3 of getaddrinfo. */
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    lua_pushvalue(L, 3);
    lua_getfield(L, 4, "family");
    lua_replace(L, 3);
    g->hints.ai_family = lsockI_checkfamily(L, 3, AF_UNSPEC);
    lua_getfield(L, 4, "socktype");
    lua_replace(L, 3);
    g->hints.ai_socktype = lua_isnil(L, 3) ? 0 : lsockI_checktype(L, 3, 0);
    lua_getfield(L, 4, "protocol");
    lua_replace(L, 3);
    g->hints.ai_protocol = lsockI_checkprotocol(L, 3, 0);
    lua_getfield(L, 4, "flags");
    lua_replace(L, 3);
    g->hints.ai_flags = lsockI_checkflagnames(L, 3, 0, aiflags);
  }
  return 0;
}

/* What lsock.getaddrinfo returns for getaddrinfo's result r (with err the
** errno it left) and list res, which is freed. */
int lsockI_gairesults(lua_State *L, int r, int err, struct addrinfo *res) {
  if (r != 0) {
    errno = err;
    return gaifail(L, r);
  }
  return lsockI_buildfrom(L, buildai, res, freeai);
}

/*** Resolve a host and service to addresses.
@function getaddrinfo
@tparam string host a name or numeric address (nil with passive hints)
@tparam[opt] string|int service a port number or /etc/services name
@tparam[opt] table hints {family=, socktype=, protocol=, flags="passive
  canonname ..."}
@treturn {table,...} {family=, socktype=, protocol=, addr=sockaddr, canonname=}
  per answer
@return[2] nil, gai message, EAI code
@usage for _, ai in ipairs(assert(lsock.getaddrinfo("localhost", "http"))) do
  print(ai.addr) end
@see getaddrinfo(3)
*/
/* lsock.getaddrinfo(host, service [, hints]) -> array of
** {family=, socktype=, protocol=, addr=, canonname=}. */
static int lsock_getaddrinfo(lua_State *L) {
  GaiArgs g;
  struct addrinfo *res = NULL;
  int r = lsockI_gaiargs(L, &g);
  if (r != 0) return r;
  r = getaddrinfo(g.host, g.service, &g.hints, &res);
  return lsockI_gairesults(L, r, errno, res);
}

/*** The host and service names of an address.
@function getnameinfo
@tparam sockaddr addr
@tparam[opt] string|int flags "numerichost namereqd numericserv dgram"...
@treturn string host
@treturn string service
@return[2] nil, gai message, EAI code
@see getnameinfo(3)
@usage local host, serv = lsock.getnameinfo(lsock.addr("127.0.0.1", 22))
*/
/* lsock.getnameinfo(addr [, flags]) -> host, service */
/* Checks lsock.getnameinfo's arguments: the address into a, the flags. */
int lsockI_niargs(lua_State *L, Addr *a) {
  *a = *checkaddr(L, 1);
  return lsockI_checkflagnames(L, 2, 0, niflags);
}

/* What lsock.getnameinfo returns for getnameinfo's result r (errno err). */
int lsockI_niresults(lua_State *L, int r, int err, const char *host,
                     const char *serv) {
  if (r != 0) {
    errno = err;
    return gaifail(L, r);
  }
  lua_pushstring(L, host);
  lua_pushstring(L, serv);
  return 2;
}

static int lsock_getnameinfo(lua_State *L) {
  Addr a;
  int flags = lsockI_niargs(L, &a);
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  int r = getnameinfo((const struct sockaddr *)&a.ss, a.len, host,
                      sizeof host, serv, sizeof serv, flags);
  return lsockI_niresults(L, r, errno, host, serv);
}


/* Registration ------------------------------------------------------------ */

static const luaL_Reg metamethods[] = {
  {"__index", addr_index},
  {"__eq", addr_eq},
  {"__tostring", addr_tostring},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"addr", lsock_addr},
  {"getaddrinfo", lsock_getaddrinfo},
  {"getnameinfo", lsock_getnameinfo},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_addr(lua_State *L) {
  luaL_newmetatable(L, LSOCK_ADDR);
  luaL_setfuncs(L, metamethods, 0);
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
