/*
** The multicast option values: Lua strings and tables to ip_mreqn,
** ip_mreq_source, ipv6_mreq, group_source_req and the multicast_if forms.
** An interface is given the way a user knows it: a local address (IPv4),
** an index, or a name.  An unknown interface name is the system saying no
** (ENODEV, returned); a malformed address literal is misuse (raised).
*/
#include "compat.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include "lsock.h"

#define sin4(ss)  ((struct sockaddr_in *)(ss))
#define sin6(ss)  ((struct sockaddr_in6 *)(ss))


/* Helpers ----------------------------------------------------------------- */

/* An interface index from the name or index at idx (0 for nil); sets
** *ifindex and returns 0, or ENODEV for an unknown name.  v4 != NULL also
** accepts an IPv4 address literal (or sockaddr) into *v4. */
static int iface(lua_State *L, int idx, const char *option,
                 struct in_addr *v4, int *ifindex) {
  const Addr *a;
  *ifindex = 0;
  switch (lua_type(L, idx)) {
    case LUA_TNIL: case LUA_TNONE:
      return 0;
    case LUA_TNUMBER: {
      int isint;
      lua_Integer i = lua_tointegerx(L, idx, &isint);
      if (!isint || i < 0 || i > 0x7fffffff)
        return luaL_argerror(L, 4, lua_pushfstring(L, "bad interface index "
                             "for option '%s'", option));
      *ifindex = (int)i;
      return 0;
    }
    case LUA_TSTRING: {
      const char *s = lua_tostring(L, idx);
      unsigned int n;
      /* C would see only the text before a NUL: such a name is none */
      if (strlen(s) != lua_rawlen(L, idx)) return ENODEV;
      if (v4 && inet_pton(AF_INET, s, v4) == 1) return 0;
      n = if_nametoindex(s);
      if (n == 0) return ENODEV;
      *ifindex = (int)n;
      return 0;
    }
    default:
      a = lsockI_testaddr(L, idx);
      if (v4 && a && a->ss.ss_family == AF_INET) {
        *v4 = ((const struct sockaddr_in *)&a->ss)->sin_addr;
        return 0;
      }
      return lsockI_kinderror(L, option, v4 ? "interface (address, index "
                              "or name)" : "interface (index or name)");
  }
}

/* The address at idx (a literal or a sockaddr) of the given family into
** ss; raises naming the option and the field when it is not one. */
static void address(lua_State *L, int idx, const char *option,
                    const char *field, int family,
                    struct sockaddr_storage *ss) {
  const Addr *a = lsockI_testaddr(L, idx);
  memset(ss, 0, sizeof *ss);
  if (family == AF_UNSPEC && lua_type(L, idx) == LUA_TSTRING)
    family = strchr(lua_tostring(L, idx), ':') ? AF_INET6 : AF_INET;
  if (a && (family == AF_UNSPEC || a->ss.ss_family == family)
      && (a->ss.ss_family == AF_INET || a->ss.ss_family == AF_INET6)) {
    memcpy(ss, &a->ss, a->len);
    return;
  }
  ss->ss_family = (sa_family_t)family;
  if (lua_type(L, idx) == LUA_TSTRING
      && strlen(lua_tostring(L, idx)) == lua_rawlen(L, idx)  /* no NUL */
      && inet_pton(family, lua_tostring(L, idx), family == AF_INET
                   ? (void *)&sin4(ss)->sin_addr
                   : (void *)&sin6(ss)->sin6_addr) == 1)
    return;
  if (lua_type(L, idx) == LUA_TSTRING)
    luaL_argerror(L, 4, lua_pushfstring(L, "invalid %s address '%s' in %s "
                  "for option '%s'", family == AF_INET ? "IPv4" : "IPv6",
                  lua_tostring(L, idx), field, option));
  lsockI_kinderror(L, option, lua_pushfstring(L, "%s address (%s)",
                   family == AF_INET ? "IPv4" : "IPv6", field));
}

static struct in_addr address4(lua_State *L, int idx, const char *option,
                               const char *field) {
  struct sockaddr_storage ss;
  address(L, idx, option, field, AF_INET, &ss);
  return sin4(&ss)->sin_addr;
}

/* The value at 4 is a group string or a table: pushes its multiaddr,
** interface and (with source) sourceaddr fields, or the string and two
** nils.  Returns the stack index of the first. */
static int fields(lua_State *L, const char *option, int source,
                  const char *expected) {
  int top = lua_gettop(L);
  if (lua_istable(L, 4)) {
    lua_getfield(L, 4, "multiaddr");
    lua_getfield(L, 4, "interface");
    lua_getfield(L, 4, "sourceaddr");
    if (lua_isnil(L, top + 1) || (source && lua_isnil(L, top + 3)))
      lsockI_kinderror(L, option, expected);
  } else if (!source && (lua_type(L, 4) == LUA_TSTRING
                         || lsockI_testaddr(L, 4))) {
    lua_pushvalue(L, 4);
    lua_pushnil(L);
    lua_pushnil(L);
  } else {
    lsockI_kinderror(L, option, expected);
  }
  return top + 1;
}

#ifdef MCAST_JOIN_SOURCE_GROUP
/* The protocol-independent twin of an ip_mreq_source option, used when
** the interface is an index: ip_mreq_source can only name an address. */
static int sourcegroupopt(int optname) {
  switch (optname) {
    case IP_ADD_SOURCE_MEMBERSHIP: return MCAST_JOIN_SOURCE_GROUP;
    case IP_DROP_SOURCE_MEMBERSHIP: return MCAST_LEAVE_SOURCE_GROUP;
    case IP_BLOCK_SOURCE: return MCAST_BLOCK_SOURCE;
    default: return MCAST_UNBLOCK_SOURCE;
  }
}

static int encodegsr(lua_State *L, const char *option, int f, int family,
                     LsockOptval *v, socklen_t *len) {
  int ifindex, err;
  struct in_addr unused;
  address(L, f, option, "multiaddr", family, &v->gsr.gsr_group);
  address(L, f + 2, option, "sourceaddr", v->gsr.gsr_group.ss_family,
          &v->gsr.gsr_source);
  err = iface(L, f + 1, option, family == AF_INET ? &unused : NULL,
              &ifindex);
  v->gsr.gsr_interface = (uint32_t)ifindex;
  *len = sizeof v->gsr;
  return err;
}
#endif


/* The encoder options.c calls ---------------------------------------------- */

/* Encodes the value at 4 for a multicast kind into v and *len; may change
** *optname (ip_mreq_source by index).  Returns 0 or an errno. */
int lsockI_encodemcast(lua_State *L, const char *option, LsockKind kind,
                       int *optname, LsockOptval *v, socklen_t *len) {
  int f, ifindex = 0, err = 0;
  switch (kind) {
    case K_MREQ:
      f = fields(L, option, 0, "group or table {multiaddr=, interface=}");
      v->mreqn.imr_multiaddr = address4(L, f, option, "multiaddr");
      err = iface(L, f + 1, option, &v->mreqn.imr_address, &ifindex);
      v->mreqn.imr_ifindex = ifindex;
      *len = sizeof v->mreqn;
      break;
    case K_MREQSRC: {
      struct in_addr ifaddr;
      memset(&ifaddr, 0, sizeof ifaddr);
      f = fields(L, option, 1,
                 "table {multiaddr=, sourceaddr=, interface=}");
      err = iface(L, f + 1, option, &ifaddr, &ifindex);
      if (err == 0 && ifindex != 0) {
#ifdef MCAST_JOIN_SOURCE_GROUP
        *optname = sourcegroupopt(*optname);
        return encodegsr(L, option, f, AF_INET, v, len);
#else
        return ENOPROTOOPT;
#endif
      }
      v->mreqsrc.imr_multiaddr = address4(L, f, option, "multiaddr");
      v->mreqsrc.imr_sourceaddr = address4(L, f + 2, option, "sourceaddr");
      v->mreqsrc.imr_interface = ifaddr;
      *len = sizeof v->mreqsrc;
      break;
    }
    case K_MREQ6: {
      struct sockaddr_storage ss;
      f = fields(L, option, 0, "group or table {multiaddr=, interface=}");
      address(L, f, option, "multiaddr", AF_INET6, &ss);
      v->mreq6.ipv6mr_multiaddr = sin6(&ss)->sin6_addr;
      err = iface(L, f + 1, option, NULL, &ifindex);
      v->mreq6.ipv6mr_interface = (unsigned int)ifindex;
      *len = sizeof v->mreq6;
      break;
    }
#ifdef MCAST_JOIN_SOURCE_GROUP
    case K_GSR:
      f = fields(L, option, 1,
                 "table {multiaddr=, sourceaddr=, interface=}");
      return encodegsr(L, option, f, AF_UNSPEC, v, len);
#endif
    case K_IF4:
      /* ip_mreqn carries both an address and an index; the kernel reads
      ** whichever is set. */
      if (lua_istable(L, 4)) {
        lua_getfield(L, 4, "address");
        if (!lua_isnil(L, -1))
          v->mreqn.imr_address = address4(L, -1, option, "address");
        lua_getfield(L, 4, "ifindex");
        err = iface(L, lua_gettop(L), option, NULL, &ifindex);
      } else {
        err = iface(L, 4, option, &v->mreqn.imr_address, &ifindex);
      }
      v->mreqn.imr_ifindex = ifindex;
      *len = sizeof v->mreqn;
      break;
    case K_IF6:
      err = iface(L, 4, option, NULL, &v->i);
      *len = sizeof v->i;
      break;
    case K_PMREQ:  /* packet_mreq: link.c */
      return lsockI_encodepmreq(L, option, v, len);
    default:
      return ENOPROTOOPT;
  }
  return err;
}

void lsockI_pushin4(lua_State *L, const struct in_addr *a) {
  char buf[INET_ADDRSTRLEN];
  lua_pushstring(L, inet_ntop(AF_INET, a, buf, sizeof buf));
}
