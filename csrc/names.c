/*
** Name services besides getaddrinfo/getnameinfo (addr.c): host, service,
** protocol and interface names, text <-> binary addresses, byte order, and
** the legacy IPv4 calls kept for porting old code.  Lookups that find
** nothing return nil, message (there is no errno to give); a system error
** gives nil, message, errno; bad arguments raise.
*/
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>

#include "lsock.h"

/* The legacy hostent calls: buffer sizes tried before giving up. */
#define HOSTBUF_START  1024
#define HOSTBUF_MAX    (1 << 20)


/* Helpers ------------------------------------------------------------- */

static int notfound(lua_State *L, const char *msg) {
  luaL_pushfail(L);
  lua_pushstring(L, msg);
  return 2;
}

/* inet_pton and inet_ntop take only these two families. */
static int checkipfamily(lua_State *L, int arg) {
  int family = lsockI_checkfamily(L, arg, -1);
  luaL_argcheck(L, family == AF_INET || family == AF_INET6, arg,
                "inet or inet6 expected");
  return family;
}

/* An integer argument in [0, max]. */
static lua_Integer checkrange(lua_State *L, int arg, lua_Integer max) {
  lua_Integer n = luaL_checkinteger(L, arg);
  luaL_argcheck(L, n >= 0 && n <= max, arg, "out of range");
  return n;
}

/* An interface name: at most IF_NAMESIZE - 1 bytes, no NUL inside. */
static const char *checkifname(lua_State *L, int arg) {
  size_t len;
  const char *name = luaL_checklstring(L, arg, &len);
  luaL_argcheck(L, len < IF_NAMESIZE, arg, "interface name too long");
  luaL_argcheck(L, strlen(name) == len, arg, "interface name contains NUL");
  return name;
}

/* A string argument as C text, or NULL when it holds a NUL byte: C
** would see only its head, so such a name can match nothing. */
static const char *totext(lua_State *L, int arg) {
  size_t len;
  const char *s = luaL_checklstring(L, arg, &len);
  return strlen(s) == len ? s : NULL;
}

/* An optional protocol name for the services database ("tcp", "udp"). */
static const char *optproto(lua_State *L, int arg, int *bad) {
  *bad = 0;
  if (lua_isnoneornil(L, arg)) return NULL;
  if (totext(L, arg) == NULL) *bad = 1;
  return lua_tostring(L, arg);
}

/* A 4-byte string or an integer in host order -> in_addr. */
static struct in_addr checkin4(lua_State *L, int arg) {
  struct in_addr in;
  if (lua_type(L, arg) == LUA_TNUMBER) {
    in.s_addr = htonl((uint32_t)checkrange(L, arg, 0xffffffff));
  } else {
    size_t len;
    const char *p = luaL_checklstring(L, arg, &len);
    luaL_argcheck(L, len == 4, arg, "4-byte address expected");
    memcpy(&in, p, 4);
  }
  return in;
}

/* {name=, aliases={...}, addrtype="inet", addresses={"a.b.c.d", ...}} */
static void pushhostent(lua_State *L, const struct hostent *h) {
  char text[INET6_ADDRSTRLEN];
  int i;
  lua_createtable(L, 0, 4);
  lua_pushstring(L, h->h_name);
  lua_setfield(L, -2, "name");
  lua_newtable(L);
  for (i = 0; h->h_aliases && h->h_aliases[i]; i++) {
    lua_pushstring(L, h->h_aliases[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "aliases");
  lsockI_pushfamily(L, h->h_addrtype);
  lua_setfield(L, -2, "addrtype");
  lua_newtable(L);
  for (i = 0; h->h_addr_list && h->h_addr_list[i]; i++) {
    if (inet_ntop(h->h_addrtype, h->h_addr_list[i], text, sizeof text))
      lua_pushstring(L, text);
    else
      lua_pushliteral(L, "?");
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "addresses");
}

/* The _r calls need a caller buffer whose size nobody knows in advance:
** grow it on ERANGE.  The buffer is a userdata on the stack, so a memory
** error while building the table leaks nothing.  name != NULL: look up
** by name; else by the 4-byte addr. */
static int hostlookup(lua_State *L, const char *name,
                      const struct in_addr *addr) {
  size_t size = HOSTBUF_START;
  struct hostent he, *res = NULL;
  int r, herr = 0;
  for (;;) {
    char *buf = (char *)lua_newuserdatauv(L, size, 0);
    if (name)
      r = gethostbyname2_r(name, AF_INET, &he, buf, size, &res, &herr);
    else
      r = gethostbyaddr_r(addr, sizeof *addr, AF_INET, &he, buf, size,
                          &res, &herr);
    if (r != ERANGE || size >= HOSTBUF_MAX) break;
    lua_pop(L, 1);
    size *= 2;
  }
  if (res == NULL) {
    if (r != 0 && r != ENOENT) return lsockI_fail(L, r);
    if (herr == 0) herr = HOST_NOT_FOUND;
    luaL_pushfail(L);
    lua_pushstring(L, hstrerror(herr));
    lua_pushinteger(L, herr);
    return 3;
  }
  pushhostent(L, res);
  return 1;
}


/* Hosts, services, protocols ---------------------------------------------- */

static int lsock_gethostname(lua_State *L) {
  char name[HOST_NAME_MAX + 1];
  if (gethostname(name, sizeof name) == -1) return lsockI_fail(L, errno);
  name[sizeof name - 1] = '\0';  /* truncated names may lack the NUL */
  lua_pushstring(L, name);
  return 1;
}

/* getservbyname(name [, proto]) -> port */
static int lsock_getservbyname(lua_State *L) {
  const char *name = totext(L, 1);
  int bad;
  const char *proto = optproto(L, 2, &bad);
  struct servent se, *res = NULL;
  char buf[1024];
  if (name == NULL || bad) return notfound(L, "unknown service");
  if (getservbyname_r(name, proto, &se, buf, sizeof buf, &res) != 0
      || res == NULL)
    return notfound(L, "unknown service");
  lua_pushinteger(L, ntohs((uint16_t)res->s_port));
  return 1;
}

/* getservbyport(port [, proto]) -> name */
static int lsock_getservbyport(lua_State *L) {
  int port = (int)checkrange(L, 1, 65535);
  int bad;
  const char *proto = optproto(L, 2, &bad);
  struct servent se, *res = NULL;
  char buf[1024];
  if (bad) return notfound(L, "unknown service");
  if (getservbyport_r(htons((uint16_t)port), proto, &se, buf, sizeof buf,
                      &res) != 0 || res == NULL)
    return notfound(L, "unknown service");
  lua_pushstring(L, res->s_name);
  return 1;
}

/* getprotobyname(name) -> number */
static int lsock_getprotobyname(lua_State *L) {
  const char *name = totext(L, 1);
  struct protoent pe, *res = NULL;
  char buf[1024];
  if (name == NULL) return notfound(L, "unknown protocol");
  if (getprotobyname_r(name, &pe, buf, sizeof buf, &res) != 0
      || res == NULL)
    return notfound(L, "unknown protocol");
  lua_pushinteger(L, res->p_proto);
  return 1;
}

/* getprotobynumber(n) -> name */
static int lsock_getprotobynumber(lua_State *L) {
  int n = (int)checkrange(L, 1, 255);
  struct protoent pe, *res = NULL;
  char buf[1024];
  if (getprotobynumber_r(n, &pe, buf, sizeof buf, &res) != 0
      || res == NULL)
    return notfound(L, "unknown protocol");
  lua_pushstring(L, res->p_name);
  return 1;
}


/* Interfaces -------------------------------------------------------------- */

static int lsock_if_nametoindex(lua_State *L) {
  unsigned i = if_nametoindex(checkifname(L, 1));
  if (i == 0) return lsockI_fail(L, errno);
  lua_pushinteger(L, (lua_Integer)i);
  return 1;
}

static int lsock_if_indextoname(lua_State *L) {
  char name[IF_NAMESIZE];
  unsigned i = (unsigned)checkrange(L, 1, UINT_MAX);
  if (if_indextoname(i, name) == NULL) return lsockI_fail(L, errno);
  lua_pushstring(L, name);
  return 1;
}

/* if_nameindex() -> {{index=, name=}, ...} */
static int lsock_if_nameindex(lua_State *L) {
  struct if_nameindex *ifs = if_nameindex(), *p;
  int i;
  if (ifs == NULL) return lsockI_fail(L, errno);
  lua_newtable(L);
  for (p = ifs, i = 1; p->if_index != 0; p++, i++) {
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, (lua_Integer)p->if_index);
    lua_setfield(L, -2, "index");
    lua_pushstring(L, p->if_name);
    lua_setfield(L, -2, "name");
    lua_rawseti(L, -2, i);
  }
  if_freenameindex(ifs);
  return 1;
}


/* Text <-> binary addresses ------------------------------------------------ */

/* inet_pton(family, text) -> bytes [, scope_id].  An inet6 text may end
** in "%zone" (an interface name or number), as in getaddrinfo and
** lsock.addr: the zone comes back as the second result. */
static int lsock_inet_pton(lua_State *L) {
  int family = checkipfamily(L, 1);
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  const char *pct = family == AF_INET6 ? strchr(text, '%') : NULL;
  unsigned char buf[sizeof(struct in6_addr)];
  char host[INET6_ADDRSTRLEN];
  unsigned scope = 0;
  if (strlen(text) != len) return notfound(L, "invalid address");
  if (pct) {
    const char *zone = pct + 1;
    char *end;
    unsigned long n;
    if ((size_t)(pct - text) >= sizeof host || *zone == '\0')
      return notfound(L, "invalid address");
    memcpy(host, text, (size_t)(pct - text));
    host[pct - text] = '\0';
    text = host;
    errno = 0;
    n = strtoul(zone, &end, 10);
    if (*end == '\0' && zone[0] >= '0' && zone[0] <= '9') {
      if (errno || n > UINT_MAX) return notfound(L, "invalid address");
      scope = (unsigned)n;
    } else if (strlen(zone) >= IF_NAMESIZE
               || (scope = if_nametoindex(zone)) == 0) {
      return notfound(L, "invalid address");
    }
  }
  if (inet_pton(family, text, buf) != 1)
    return notfound(L, "invalid address");
  lua_pushlstring(L, (const char *)buf,
                  family == AF_INET ? 4 : sizeof(struct in6_addr));
  if (!pct) return 1;
  lua_pushinteger(L, (lua_Integer)scope);
  return 2;
}

/* inet_ntop(family, bytes [, scope_id]) -> text; a scope appends
** "%ifname" (or "%number" when no interface has that index). */
static int lsock_inet_ntop(lua_State *L) {
  int family = checkipfamily(L, 1);
  size_t len, want = family == AF_INET ? 4 : sizeof(struct in6_addr);
  const char *bytes = luaL_checklstring(L, 2, &len);
  lua_Integer scope = luaL_optinteger(L, 3, 0);
  char text[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
  luaL_argcheck(L, len == want, 2, family == AF_INET
                ? "4-byte address expected" : "16-byte address expected");
  luaL_argcheck(L, scope == 0 || family == AF_INET6, 3,
                "scope only for inet6");
  luaL_argcheck(L, scope >= 0 && scope <= UINT_MAX, 3, "out of range");
  if (inet_ntop(family, bytes, text, sizeof text) == NULL)
    return lsockI_fail(L, errno);
  if (scope == 0) lua_pushstring(L, text);
  else if (if_indextoname((unsigned)scope, ifname))
    lua_pushfstring(L, "%s%%%s", text, ifname);
  else
    lua_pushfstring(L, "%s%%%I", text, (LUAI_UACINT)scope);
  return 1;
}


/* Byte order ---------------------------------------------------------- */

static int lsock_htons(lua_State *L) {
  lua_pushinteger(L, htons((uint16_t)checkrange(L, 1, 0xffff)));
  return 1;
}

static int lsock_ntohs(lua_State *L) {
  lua_pushinteger(L, ntohs((uint16_t)checkrange(L, 1, 0xffff)));
  return 1;
}

static int lsock_htonl(lua_State *L) {
  lua_pushinteger(L, htonl((uint32_t)checkrange(L, 1, 0xffffffff)));
  return 1;
}

static int lsock_ntohl(lua_State *L) {
  lua_pushinteger(L, ntohl((uint32_t)checkrange(L, 1, 0xffffffff)));
  return 1;
}


/* Legacy IPv4 calls ------------------------------------------------------- */

static int lsock_gethostbyname(lua_State *L) {
  const char *name = totext(L, 1);
  if (name == NULL) {
    luaL_pushfail(L);
    lua_pushstring(L, hstrerror(HOST_NOT_FOUND));
    lua_pushinteger(L, HOST_NOT_FOUND);
    return 3;
  }
  return hostlookup(L, name, NULL);
}

/* gethostbyaddr(ip_text): the text, not C's binary form, as the porting
** code has it at hand. */
static int lsock_gethostbyaddr(lua_State *L) {
  const char *text = totext(L, 1);
  struct in_addr in;
  if (text == NULL || inet_pton(AF_INET, text, &in) != 1)
    return notfound(L, "invalid address");
  return hostlookup(L, NULL, &in);
}

/* inet_aton(text) -> 4 bytes; accepts the old forms ("127.1", hex). */
static int lsock_inet_aton(lua_State *L) {
  const char *text = totext(L, 1);
  struct in_addr in;
  if (text == NULL || inet_aton(text, &in) == 0)
    return notfound(L, "invalid address");
  lua_pushlstring(L, (const char *)&in, 4);
  return 1;
}

/* inet_addr(text) -> integer in host order.  C's inet_addr cannot tell
** 255.255.255.255 from an error; this one can. */
static int lsock_inet_addr(lua_State *L) {
  const char *text = totext(L, 1);
  struct in_addr in;
  if (text == NULL || inet_aton(text, &in) == 0)
    return notfound(L, "invalid address");
  lua_pushinteger(L, (lua_Integer)ntohl(in.s_addr));
  return 1;
}

/* inet_ntoa(bytes or integer in host order) -> "a.b.c.d" */
static int lsock_inet_ntoa(lua_State *L) {
  struct in_addr in = checkin4(L, 1);
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &in, text, sizeof text);
  lua_pushstring(L, text);
  return 1;
}


/* Registration ------------------------------------------------------------ */

static const luaL_Reg funcs[] = {
  {"gethostname", lsock_gethostname},
  {"getservbyname", lsock_getservbyname},
  {"getservbyport", lsock_getservbyport},
  {"getprotobyname", lsock_getprotobyname},
  {"getprotobynumber", lsock_getprotobynumber},
  {"if_nametoindex", lsock_if_nametoindex},
  {"if_indextoname", lsock_if_indextoname},
  {"if_nameindex", lsock_if_nameindex},
  {"inet_pton", lsock_inet_pton},
  {"inet_ntop", lsock_inet_ntop},
  {"htons", lsock_htons},
  {"ntohs", lsock_ntohs},
  {"htonl", lsock_htonl},
  {"ntohl", lsock_ntohl},
  {"gethostbyname", lsock_gethostbyname},
  {"gethostbyaddr", lsock_gethostbyaddr},
  {"inet_aton", lsock_inet_aton},
  {"inet_addr", lsock_inet_addr},
  {"inet_ntoa", lsock_inet_ntoa},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_names(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
}
