/*
** lsock.core: the module table.  This file holds what every other file
** leans on: the fail/timeout result triples, the name<->number tables for
** families, types, protocols and flags, the exported constants and
** lsock.errno.  luaopen_lsock_core builds the table and calls each *_open.
*/
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <linux/errqueue.h>

#include "lsock.h"
#include "constants.h"

/*** The errno codes of the system, both ways: `lsock.errno.ECONNREFUSED`
is the number the failures return third, `lsock.errno[111]` its name
(the first name wins: EAGAIN rather than EWOULDBLOCK).  getaddrinfo's
EAI codes are in lsock.EAI_*, not here.
@table errno
@usage local s, msg, err = lsock.tcp.connect("127.0.0.1", 1)
if err == lsock.errno.ECONNREFUSED then print("nobody there") end
print(lsock.errno[err])  --> ECONNREFUSED
*/

typedef struct Name { const char *name; int value; } Name;

static const Name families[] = {
  {"inet", AF_INET}, {"inet6", AF_INET6}, {"unix", AF_UNIX},
  {"local", AF_UNIX}, {"unspec", AF_UNSPEC},
#ifdef AF_PACKET
  {"packet", AF_PACKET},
#endif
#ifdef AF_NETLINK
  {"netlink", AF_NETLINK},
#endif
  {NULL, 0}
};

static const Name types[] = {
  {"stream", SOCK_STREAM}, {"dgram", SOCK_DGRAM}, {"raw", SOCK_RAW},
  {"seqpacket", SOCK_SEQPACKET},
#ifdef SOCK_RDM
  {"rdm", SOCK_RDM},
#endif
  {NULL, 0}
};

/* The protocols every system has, so that a missing /etc/protocols (as in
** minimal containers) does not break "tcp"; others go to getprotobyname. */
static const Name protocols[] = {
  {"ip", IPPROTO_IP}, {"tcp", IPPROTO_TCP}, {"udp", IPPROTO_UDP},
  {"icmp", IPPROTO_ICMP}, {"icmpv6", IPPROTO_ICMPV6},
  {"ipv6", IPPROTO_IPV6}, {"raw", IPPROTO_RAW},
#ifdef IPPROTO_SCTP
  {"sctp", IPPROTO_SCTP},
#endif
#ifdef IPPROTO_UDPLITE
  {"udplite", IPPROTO_UDPLITE},
#endif
  {NULL, 0}
};

static const Name msgflags[] = {
  {"oob", MSG_OOB}, {"peek", MSG_PEEK}, {"dontroute", MSG_DONTROUTE},
  {"waitall", MSG_WAITALL}, {"dontwait", MSG_DONTWAIT},
  {"trunc", MSG_TRUNC}, {"ctrunc", MSG_CTRUNC}, {"eor", MSG_EOR},
  {"nosignal", MSG_NOSIGNAL},
#ifdef MSG_CONFIRM
  {"confirm", MSG_CONFIRM},
#endif
#ifdef MSG_MORE
  {"more", MSG_MORE},
#endif
#ifdef MSG_ERRQUEUE
  {"errqueue", MSG_ERRQUEUE},
#endif
#ifdef MSG_CMSG_CLOEXEC
  {"cmsg_cloexec", MSG_CMSG_CLOEXEC},
#endif
#ifdef MSG_WAITFORONE
  {"waitforone", MSG_WAITFORONE},
#endif
#ifdef MSG_ZEROCOPY
  {"zerocopy", MSG_ZEROCOPY},
#endif
#ifdef MSG_FASTOPEN
  {"fastopen", MSG_FASTOPEN},
#endif
  {NULL, 0}
};

static const Name *findname(const Name *t, const char *name, size_t len) {
  for (; t->name; t++)
    if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
      return t;
  return NULL;
}

static const char *findvalue(const Name *t, int value) {
  for (; t->name; t++)
    if (t->value == value) return t->name;
  return NULL;
}

/* An integer argument that must fit a C int (constants, flags): a value
** outside is an error, never silently wrapped onto another constant. */
int lsockI_checkint(lua_State *L, int arg) {
  lua_Integer v = luaL_checkinteger(L, arg);
  luaL_argcheck(L, v >= INT_MIN && v <= INT_MAX, arg, "out of range");
  return (int)v;
}

/* A constant argument: an integer, or a name from table t; absent = def
** (def < 0 makes the argument mandatory). */
static int checkname(lua_State *L, int arg, int def, const Name *t,
                     const char *what) {
  const Name *n;
  size_t len;
  const char *s;
  if (def >= 0 && lua_isnoneornil(L, arg)) return def;
  if (lua_type(L, arg) == LUA_TNUMBER)
    return lsockI_checkint(L, arg);
  s = luaL_checklstring(L, arg, &len);
  n = findname(t, s, len);
  if (n == NULL)
    return luaL_argerror(L, arg,
                         lua_pushfstring(L, "unknown %s '%s'", what, s));
  return n->value;
}


/* Results ------------------------------------------------------------- */

int lsockI_fail(lua_State *L, int err) {
  luaL_pushfail(L);
  lua_pushstring(L, strerror(err));
  lua_pushinteger(L, err);
  return 3;
}

int lsockI_timeout(lua_State *L) {
  luaL_pushfail(L);
  lua_pushliteral(L, "timeout");
  lua_pushinteger(L, ETIMEDOUT);
  return 3;
}

int lsockI_checkfamily(lua_State *L, int arg, int def) {
  return checkname(L, arg, def, families, "family");
}

int lsockI_checktype(lua_State *L, int arg, int def) {
  return checkname(L, arg, def, types, "socket type");
}

int lsockI_checkprotocol(lua_State *L, int arg, int def) {
  const Name *n;
  const struct protoent *pe;
  size_t len;
  const char *s;
  if (lua_type(L, arg) != LUA_TSTRING)
    return checkname(L, arg, def, protocols, "protocol");
  s = lua_tolstring(L, arg, &len);
  if ((n = findname(protocols, s, len)) != NULL) return n->value;
  if (strlen(s) == len && (pe = getprotobyname(s)) != NULL)
    return pe->p_proto;
  return luaL_argerror(L, arg,
                       lua_pushfstring(L, "unknown protocol '%s'", s));
}

/* Flags: an integer, or a string of names separated by spaces or
** commas ("peek waitall"). */
int lsockI_checkflags(lua_State *L, int arg, int def) {
  const char *s, *e;
  int flags = 0;
  if (lua_isnoneornil(L, arg)) return def;
  if (lua_type(L, arg) == LUA_TNUMBER)
    return lsockI_checkint(L, arg);
  s = luaL_checkstring(L, arg);
  for (;;) {
    const Name *n;
    s += strspn(s, " ,|");
    if (*s == '\0') break;
    e = s + strcspn(s, " ,|");
    n = findname(msgflags, s, (size_t)(e - s));
    if (n == NULL) {
      lua_pushlstring(L, s, (size_t)(e - s));
      return luaL_argerror(L, arg, lua_pushfstring(L, "unknown flag '%s'",
                                                   lua_tostring(L, -1)));
    }
    flags |= n->value;
    s = e;
  }
  return flags;
}

static void pushname(lua_State *L, const Name *t, int value) {
  const char *name = findvalue(t, value);
  if (name) lua_pushstring(L, name);
  else lua_pushinteger(L, value);
}

void lsockI_pushfamily(lua_State *L, int family) {
  if (family == AF_UNIX) lua_pushliteral(L, "unix");  /* not "local" */
  else pushname(L, families, family);
}

void lsockI_pushtype(lua_State *L, int type) {
  pushname(L, types, type);
}


/* Module functions ---------------------------------------------------- */

/*** Close a raw descriptor (one received with SCM_RIGHTS, say).
@function close
@tparam int fd
@treturn true
@return[2] nil, msg, errno
@see close(2)
@usage for _, fd in ipairs(fds) do lsock.close(fd) end
*/
/* lsock.close(fd): close a raw descriptor, such as one received with
** SCM_RIGHTS that the program does not want to wrap. */
static int lsock_close(lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, 1, "invalid descriptor");
  /* POSIX leaves the descriptor state unspecified after EINTR; on Linux
  ** it is closed, so close is never retried. */
  if (close((int)fd) == -1 && errno != EINTR) return lsockI_fail(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}

static void setconstants(lua_State *L) {
  int i;
  for (i = 0; constants[i].name; i++) {
    lua_pushinteger(L, constants[i].value);
    lua_setfield(L, -2, constants[i].name);
  }
  /* lsock.errno: names to codes and codes to names; the first name of a
  ** code wins, so EAGAIN rather than EWOULDBLOCK names 11. */
  lua_createtable(L, 0, 256);
  for (i = 0; errnames[i].name; i++) {
    lua_pushinteger(L, errnames[i].value);
    lua_setfield(L, -2, errnames[i].name);
    if (lua_geti(L, -1, errnames[i].value) == LUA_TNIL) {
      lua_pushstring(L, errnames[i].name);
      lua_seti(L, -3, errnames[i].value);
    }
    lua_pop(L, 1);
  }
  lua_setfield(L, -2, "errno");
}

static const luaL_Reg funcs[] = {
  {"close", lsock_close},
  {NULL, NULL}
};

LUAMOD_API int luaopen_lsock_core(lua_State *L);

LUAMOD_API int luaopen_lsock_core(lua_State *L) {
  luaL_newlib(L, funcs);
  setconstants(L);
  lsockI_open_socket(L);
  lsockI_open_addr(L);
  lsockI_open_link(L);
  lsockI_open_options(L);
  lsockI_open_names(L);
  lsockI_open_stream(L);
  lsockI_open_msg(L);
  lsockI_open_checksum(L);
  lsockI_open_sendfile(L);
  lsockI_open_sigio(L);
  lsockI_open_poll(L);
  lsockI_open_proc(L);
  lua_pushliteral(L, "lsock 0.1");
  lua_setfield(L, -2, "_VERSION");
  return 1;
}
