/*
** The bottom floor: argument checking and result helpers every other file
** calls, and nothing else.  One idea: misuse raises here (luaL_argerror
** naming the argument), the system saying no is pushed here as
** fail, msg, errno; names and numbers of families, types, protocols and
** message flags are read and written from one table each.
*/
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <netdb.h>
#include <netinet/in.h>

#include "lsock.h"

static const LsockName families[] = {
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

static const LsockName types[] = {
  {"stream", SOCK_STREAM}, {"dgram", SOCK_DGRAM}, {"raw", SOCK_RAW},
  {"seqpacket", SOCK_SEQPACKET},
#ifdef SOCK_RDM
  {"rdm", SOCK_RDM},
#endif
  {NULL, 0}
};

/* The protocols every system has, so that a missing /etc/protocols (as in
** minimal containers) does not break "tcp"; others go to getprotobyname. */
static const LsockName protocols[] = {
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

static const LsockName msgflags[] = {
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

static const LsockName *findname(const LsockName *t, const char *name,
                                 size_t len) {
  for (; t->name; t++)
    if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
      return t;
  return NULL;
}

static const char *findvalue(const LsockName *t, int value) {
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
static int checkname(lua_State *L, int arg, int def, const LsockName *t,
                     const char *what) {
  const LsockName *n;
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

/* Report err as the API does: a timeout is nil, "timeout", ETIMEDOUT. */
int lsockI_pusherr(lua_State *L, int err) {
  return err == ETIMEDOUT ? lsockI_timeout(L) : lsockI_fail(L, err);
}

int lsockI_pushtrue(lua_State *L) {
  lua_pushboolean(L, 1);
  return 1;
}

/* A setsockopt value of the wrong kind (argument 4 of setsockopt). */
int lsockI_kinderror(lua_State *L, const char *option, const char *expected) {
  return luaL_argerror(L, 4, lua_pushfstring(L, "%s expected for option "
                       "'%s'", expected, option));
}


/* Names and numbers ---------------------------------------------------- */

int lsockI_checkfamily(lua_State *L, int arg, int def) {
  return checkname(L, arg, def, families, "family");
}

int lsockI_checktype(lua_State *L, int arg, int def) {
  return checkname(L, arg, def, types, "socket type");
}

int lsockI_checkprotocol(lua_State *L, int arg, int def) {
  const LsockName *n;
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

/* Flags: an integer, or a string of names from table t separated by
** spaces, commas or bars ("peek waitall", "passive|canonname"); absent =
** def.  The one flag parser: message, getaddrinfo and getnameinfo flags. */
int lsockI_checkflagnames(lua_State *L, int arg, int def,
                          const LsockName *t) {
  const char *s, *e;
  int flags = 0;
  if (lua_isnoneornil(L, arg)) return def;
  if (lua_type(L, arg) == LUA_TNUMBER)
    return lsockI_checkint(L, arg);
  s = luaL_checkstring(L, arg);
  for (;;) {
    const LsockName *n;
    s += strspn(s, " ,|");
    if (*s == '\0') break;
    e = s + strcspn(s, " ,|");
    n = findname(t, s, (size_t)(e - s));
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

/* Message flags (send, recv and friends). */
int lsockI_checkflags(lua_State *L, int arg, int def) {
  return lsockI_checkflagnames(L, arg, def, msgflags);
}

static void pushname(lua_State *L, const LsockName *t, int value) {
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
