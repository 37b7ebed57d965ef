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

/* The _r lookups' buffer: sizes tried before giving up. */
#define LOOKUPBUF_START  1024
#define LOOKUPBUF_MAX    (1 << 20)



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

/* Runs build(L) protected, with 'list' as a light userdata its only
** argument, then frees the list with release: whatever build raises (a
** memory error halfway through the results), the list is freed, then the
** error goes on.  Pushing build and the list takes two of the LUA_MINSTACK
** slots a C function is given, so nothing can fail once the list exists.
** Returns build's one result. */
int lsockI_buildfrom(lua_State *L, lua_CFunction build, void *list,
                     void (*release)(void *)) {
  int status;
  lua_pushcfunction(L, build);
  lua_pushlightuserdata(L, list);
  status = lua_pcall(L, 1, 1, 0);
  release(list);
  if (status != LUA_OK) return lua_error(L);
  return 1;
}

/* The _r calls need a caller buffer whose size nobody knows in advance:
** call with *size == 0 for the first one, and again while the lookup says
** ERANGE; each is twice the last, up to LOOKUPBUF_MAX (then NULL).  The
** buffer is a userdata left on the stack (it holds the results), so a
** memory error while they are pushed leaks nothing. */
static char *lookupbuf(lua_State *L, size_t *size) {
  if (*size >= LOOKUPBUF_MAX) return NULL;
  if (*size != 0) lua_pop(L, 1);
  *size = *size ? *size * 2 : LOOKUPBUF_START;
  return (char *)lua_newuserdatauv(L, *size, 0);
}

/* The end of an _r lookup that gave r and found res: 0 when res is to be
** pushed, else the results of a failure pushed. */
static int lookupfail(lua_State *L, int r, const void *res,
                      const char *msg) {
  if (r != 0 && r != ENOENT) return lsockI_fail(L, r);
  return res == NULL ? notfound(L, msg) : 0;
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

/* The host calls' failure: h_errno as the EAI code of the same meaning,
** so that name lookups of every kind fail in one code space (lsock.EAI_*,
** distinct from errno) and with gai_strerror's text. */
static int hostfail(lua_State *L, int herr) {
  int code;
  switch (herr) {
    case TRY_AGAIN: code = EAI_AGAIN; break;
    case NO_RECOVERY: code = EAI_FAIL; break;
#ifdef EAI_NODATA
    case NO_DATA: code = EAI_NODATA; break;
#endif
    default: code = EAI_NONAME; break;  /* HOST_NOT_FOUND */
  }
  luaL_pushfail(L);
  lua_pushstring(L, gai_strerror(code));
  lua_pushinteger(L, code);
  return 3;
}

/* name != NULL: look up by name; else by the 4-byte addr. */
static int hostlookup(lua_State *L, const char *name,
                      const struct in_addr *addr) {
  size_t size = 0;
  struct hostent he, *res = NULL;
  int r = ERANGE, herr = 0;
  char *buf;
  while (r == ERANGE && (buf = lookupbuf(L, &size)) != NULL) {
    if (name)
      r = gethostbyname2_r(name, AF_INET, &he, buf, size, &res, &herr);
    else
      r = gethostbyaddr_r(addr, sizeof *addr, AF_INET, &he, buf, size,
                          &res, &herr);
  }
  if (res == NULL) {
    if (r != 0 && r != ENOENT) return lsockI_fail(L, r);
    return hostfail(L, herr);
  }
  pushhostent(L, res);
  return 1;
}


/* Hosts, services, protocols ---------------------------------------------- */

/*** This machine's host name.
@function gethostname
@treturn string
@return[2] nil, msg, errno
@see gethostname(2)
@usage print(lsock.gethostname())
*/
static int lsock_gethostname(lua_State *L) {
  char name[HOST_NAME_MAX + 1];
  if (gethostname(name, sizeof name) == -1) return lsockI_fail(L, errno);
  name[sizeof name - 1] = '\0';  /* truncated names may lack the NUL */
  lua_pushstring(L, name);
  return 1;
}

/*** The port of a service name.
@function getservbyname
@tparam string name "http"
@tparam[opt] string proto "tcp" or "udp"
@treturn int port
@return[2] nil, msg
@usage lsock.getservbyname("http") --> 80
@see getservbyname(3)
*/
/* getservbyname(name [, proto]) -> port */
static int lsock_getservbyname(lua_State *L) {
  const char *name = totext(L, 1);
  int bad;
  const char *proto = optproto(L, 2, &bad);
  struct servent se, *res = NULL;
  size_t size = 0;
  int r = ERANGE;
  char *buf;
  if (name == NULL || bad) return notfound(L, "unknown service");
  while (r == ERANGE && (buf = lookupbuf(L, &size)) != NULL)
    r = getservbyname_r(name, proto, &se, buf, size, &res);
  if ((r = lookupfail(L, r, res, "unknown service")) != 0) return r;
  lua_pushinteger(L, ntohs((uint16_t)res->s_port));
  return 1;
}

/*** The service name of a port.
@function getservbyport
@tparam int port
@tparam[opt] string proto
@treturn string name
@return[2] nil, msg
@see getservbyport(3)
@usage lsock.getservbyport(22) --> "ssh"
*/
/* getservbyport(port [, proto]) -> name */
static int lsock_getservbyport(lua_State *L) {
  int port = (int)checkrange(L, 1, 65535);
  int bad;
  const char *proto = optproto(L, 2, &bad);
  struct servent se, *res = NULL;
  size_t size = 0;
  int r = ERANGE;
  char *buf;
  if (bad) return notfound(L, "unknown service");
  while (r == ERANGE && (buf = lookupbuf(L, &size)) != NULL)
    r = getservbyport_r(htons((uint16_t)port), proto, &se, buf, size, &res);
  if ((r = lookupfail(L, r, res, "unknown service")) != 0) return r;
  lua_pushstring(L, res->s_name);
  return 1;
}

/*** The number of a protocol name.
@function getprotobyname
@tparam string name "tcp", "udp", "icmp"...
@treturn int
@return[2] nil, msg
@see getprotobyname(3)
@usage lsock.getprotobyname("udp") --> 17
*/
/* getprotobyname(name) -> number */
static int lsock_getprotobyname(lua_State *L) {
  const char *name = totext(L, 1);
  struct protoent pe, *res = NULL;
  size_t size = 0;
  int r = ERANGE;
  char *buf;
  if (name == NULL) return notfound(L, "unknown protocol");
  while (r == ERANGE && (buf = lookupbuf(L, &size)) != NULL)
    r = getprotobyname_r(name, &pe, buf, size, &res);
  if ((r = lookupfail(L, r, res, "unknown protocol")) != 0) return r;
  lua_pushinteger(L, res->p_proto);
  return 1;
}

/*** The name of a protocol number.
@function getprotobynumber
@tparam int n
@treturn string
@return[2] nil, msg
@see getprotobynumber(3)
@usage lsock.getprotobynumber(6) --> "tcp"
*/
/* getprotobynumber(n) -> name */
static int lsock_getprotobynumber(lua_State *L) {
  int n = (int)checkrange(L, 1, 255);
  struct protoent pe, *res = NULL;
  size_t size = 0;
  int r = ERANGE;
  char *buf;
  while (r == ERANGE && (buf = lookupbuf(L, &size)) != NULL)
    r = getprotobynumber_r(n, &pe, buf, size, &res);
  if ((r = lookupfail(L, r, res, "unknown protocol")) != 0) return r;
  lua_pushstring(L, res->p_name);
  return 1;
}


/* Interfaces -------------------------------------------------------------- */

/*** The index of a network interface.
@function if_nametoindex
@tparam string name "lo", "eth0"
@treturn int
@return[2] nil, msg, errno
@see if_nametoindex(3)
@usage lsock.if_nametoindex("lo") --> 1
*/
static int lsock_if_nametoindex(lua_State *L) {
  unsigned i = if_nametoindex(checkifname(L, 1));
  if (i == 0) return lsockI_fail(L, errno);
  lua_pushinteger(L, (lua_Integer)i);
  return 1;
}

/*** The name of a network interface.
@function if_indextoname
@tparam int index
@treturn string
@return[2] nil, msg, errno
@see if_indextoname(3)
@usage lsock.if_indextoname(1) --> "lo"
*/
static int lsock_if_indextoname(lua_State *L) {
  char name[IF_NAMESIZE];
  unsigned i = (unsigned)checkrange(L, 1, UINT_MAX);
  if (if_indextoname(i, name) == NULL) return lsockI_fail(L, errno);
  lua_pushstring(L, name);
  return 1;
}

/*** Every network interface.
@function if_nameindex
@treturn {table,...} {index=, name=} each
@return[2] nil, msg, errno
@see if_nameindex(3)
@usage for _, i in ipairs(lsock.if_nameindex()) do print(i.index, i.name) end
*/
/* if_nameindex() -> {{index=, name=}, ...} */
static void freenameindex(void *p) {
  if_freenameindex((struct if_nameindex *)p);
}

static int buildnameindex(lua_State *L) {
  const struct if_nameindex *p = (const struct if_nameindex *)
                                 lua_touserdata(L, 1);
  int i;
  lua_newtable(L);
  for (i = 1; p->if_index != 0; p++, i++) {
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, (lua_Integer)p->if_index);
    lua_setfield(L, -2, "index");
    lua_pushstring(L, p->if_name);
    lua_setfield(L, -2, "name");
    lua_rawseti(L, -2, i);
  }
  return 1;
}

static int lsock_if_nameindex(lua_State *L) {
  struct if_nameindex *ifs = if_nameindex();
  if (ifs == NULL) return lsockI_fail(L, errno);
  return lsockI_buildfrom(L, buildnameindex, ifs, freenameindex);
}


/* Text <-> binary addresses ------------------------------------------------ */

/*** Text address to network-order bytes.
@function inet_pton
@tparam string|int family "inet" or "inet6"
@tparam string text "10.0.0.1", "fe80::1%lo"
@treturn string 4 or 16 bytes
@treturn[opt] int scope_id when an inet6 text has a zone
@return[2] nil, "invalid address"
@see inet_pton(3)
@usage local bytes = assert(lsock.inet_pton("inet6", "::1"))
*/
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

/*** Network-order bytes to a text address.
@function inet_ntop
@tparam string|int family
@tparam string bytes 4 or 16 bytes (another length raises)
@tparam[opt] int scope_id appended as "%ifname"
@treturn string
@see inet_ntop(3)
@usage lsock.inet_ntop("inet", "\127\0\0\1") --> "127.0.0.1"
*/
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

/*** 16-bit integer, host to network order.
@function htons
@tparam int n
@treturn int
@see byteorder(3)
@usage lsock.htons(0x1234) --> 0x3412 on a little-endian machine
*/
static int lsock_htons(lua_State *L) {
  lua_pushinteger(L, htons((uint16_t)checkrange(L, 1, 0xffff)));
  return 1;
}

/*** 16-bit integer, network to host order.
@function ntohs
@tparam int n
@treturn int
@see byteorder(3)
@usage local port = lsock.ntohs(string.unpack("=I2", header, 3))
*/
static int lsock_ntohs(lua_State *L) {
  lua_pushinteger(L, ntohs((uint16_t)checkrange(L, 1, 0xffff)));
  return 1;
}

/*** 32-bit integer, host to network order.
@function htonl
@tparam int n
@treturn int
@see byteorder(3)
@usage lsock.htonl(0x7F000001) --> 0x0100007F on a little-endian machine
*/
static int lsock_htonl(lua_State *L) {
  lua_pushinteger(L, htonl((uint32_t)checkrange(L, 1, 0xffffffff)));
  return 1;
}

/*** 32-bit integer, network to host order.
@function ntohl
@tparam int n
@treturn int
@see byteorder(3)
@usage local addr = lsock.ntohl(string.unpack("=I4", header, 13))
*/
static int lsock_ntohl(lua_State *L) {
  lua_pushinteger(L, ntohl((uint32_t)checkrange(L, 1, 0xffffffff)));
  return 1;
}


/* Legacy IPv4 calls ------------------------------------------------------- */

/*** IPv4 addresses of a name, as old code has it (prefer getaddrinfo).
@function gethostbyname
@tparam string name
@treturn table {name=, aliases={...}, addrtype="inet", addresses={"a.b.c.d",
  ...}}
@return[2] nil, msg, EAI code (h_errno as lsock.EAI_NONAME, EAI_NODATA,
  EAI_AGAIN or EAI_FAIL)
@see gethostbyname(3)
@usage local h = lsock.gethostbyname("localhost"); print(h.addresses[1])
*/
static int lsock_gethostbyname(lua_State *L) {
  const char *name = totext(L, 1);
  if (name == NULL) return hostfail(L, HOST_NOT_FOUND);
  return hostlookup(L, name, NULL);
}

/*** The host entry of an IPv4 address given as text.
@function gethostbyaddr
@tparam string ip "a.b.c.d"
@treturn table as gethostbyname
@return[2] nil, msg, EAI code (as gethostbyname)
@see gethostbyaddr(3)
@usage print(lsock.gethostbyaddr("127.0.0.1").name)
*/
/* gethostbyaddr(ip_text): the text, not C's binary form, as the porting
** code has it at hand. */
static int lsock_gethostbyaddr(lua_State *L) {
  const char *text = totext(L, 1);
  struct in_addr in;
  if (text == NULL || inet_pton(AF_INET, text, &in) != 1)
    return notfound(L, "invalid address");
  return hostlookup(L, NULL, &in);
}

/*** IPv4 text (old forms too: "127.1") to 4 bytes.
@function inet_aton
@tparam string text
@treturn string 4 bytes
@return[2] nil, "invalid address"
@see inet_aton(3)
@usage lsock.inet_aton("127.1") --> "\127\0\0\1"
*/
/* inet_aton(text) -> 4 bytes; accepts the old forms ("127.1", hex). */
static int lsock_inet_aton(lua_State *L) {
  const char *text = totext(L, 1);
  struct in_addr in;
  if (text == NULL || inet_aton(text, &in) == 0)
    return notfound(L, "invalid address");
  lua_pushlstring(L, (const char *)&in, 4);
  return 1;
}

/*** IPv4 text to an integer in host order (127.0.0.1 is 0x7F000001).
@function inet_addr
@tparam string text
@treturn int
@return[2] nil, "invalid address"
@see inet_addr(3)
@usage lsock.inet_addr("127.0.0.1") --> 0x7F000001
*/
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

/*** IPv4 bytes or integer to "a.b.c.d".
@function inet_ntoa
@tparam string|int addr 4 bytes, or an integer in host order
@treturn string
@see inet_ntoa(3)
@usage lsock.inet_ntoa(0x7F000001) --> "127.0.0.1"
*/
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
