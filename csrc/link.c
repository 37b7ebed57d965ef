/*
** The link-level families: netlink and packet socket addresses (fields,
** tostring, the table form of lsock.addr for every family), their
** protocol names and constants, and the packet_mreq option value.  A
** floor below addr.c: addr.c, socket.c and mcastopt.c call in here for
** what is not inet/inet6/unix; messages themselves are Lua's
** (lua/lsock/netlink.lua), interfaces are ifaddrs.c's.
*/
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>

#include "lsock.h"

#define snl(a)   ((struct sockaddr_nl *)&(a)->ss)
#define sll(a)   ((struct sockaddr_ll *)&(a)->ss)
#define csnl(a)  ((const struct sockaddr_nl *)&(a)->ss)
#define csll(a)  ((const struct sockaddr_ll *)&(a)->ss)

#define HWMAX    sizeof(((struct sockaddr_ll *)0)->sll_addr)


static const LsockName nlprotos[] = {
  {"route", NETLINK_ROUTE}, {"sock_diag", NETLINK_SOCK_DIAG},
  {"inet_diag", NETLINK_INET_DIAG}, {"generic", NETLINK_GENERIC},
  {"netfilter", NETLINK_NETFILTER},
  {"kobject_uevent", NETLINK_KOBJECT_UEVENT}, {"audit", NETLINK_AUDIT},
  {"xfrm", NETLINK_XFRM}, {"selinux", NETLINK_SELINUX},
  {NULL, 0}
};

static const LsockName ethertypes[] = {
  {"all", ETH_P_ALL}, {"ip", ETH_P_IP}, {"ipv6", ETH_P_IPV6},
  {"arp", ETH_P_ARP}, {"8021q", ETH_P_8021Q}, {NULL, 0}
};

static const LsockName pkttypes[] = {
  {"host", PACKET_HOST}, {"broadcast", PACKET_BROADCAST},
  {"multicast", PACKET_MULTICAST}, {"otherhost", PACKET_OTHERHOST},
  {"outgoing", PACKET_OUTGOING}, {NULL, 0}
};

static const LsockName mreqtypes[] = {
  {"promisc", PACKET_MR_PROMISC}, {"multicast", PACKET_MR_MULTICAST},
  {"allmulti", PACKET_MR_ALLMULTI},
#ifdef PACKET_MR_UNICAST
  {"unicast", PACKET_MR_UNICAST},
#endif
  {NULL, 0}
};

/* The constants of this file's families, set on the module table. */
static const LsockName constants[] = {
  {"NETLINK_ROUTE", NETLINK_ROUTE}, {"NETLINK_SOCK_DIAG", NETLINK_SOCK_DIAG},
  {"NETLINK_GENERIC", NETLINK_GENERIC},
  {"NETLINK_NETFILTER", NETLINK_NETFILTER},
  {"NETLINK_KOBJECT_UEVENT", NETLINK_KOBJECT_UEVENT},
  {"SOL_NETLINK", SOL_NETLINK}, {"SOL_PACKET", SOL_PACKET},
  {"ETH_P_ALL", ETH_P_ALL}, {"ETH_P_IP", ETH_P_IP},
  {"ETH_P_IPV6", ETH_P_IPV6}, {"ETH_P_ARP", ETH_P_ARP},
  {"ARPHRD_ETHER", ARPHRD_ETHER}, {"ARPHRD_LOOPBACK", ARPHRD_LOOPBACK},
  {"PACKET_HOST", PACKET_HOST}, {"PACKET_BROADCAST", PACKET_BROADCAST},
  {"PACKET_MULTICAST", PACKET_MULTICAST},
  {"PACKET_OTHERHOST", PACKET_OTHERHOST},
  {"PACKET_OUTGOING", PACKET_OUTGOING},
  {"PACKET_AUXDATA", PACKET_AUXDATA},
  {"PACKET_MR_PROMISC", PACKET_MR_PROMISC},
  {"PACKET_MR_MULTICAST", PACKET_MR_MULTICAST},
  {"PACKET_MR_ALLMULTI", PACKET_MR_ALLMULTI},
  /* the option names of options.c's netlink and packet rows */
  {"NETLINK_ADD_MEMBERSHIP", NETLINK_ADD_MEMBERSHIP},
  {"NETLINK_DROP_MEMBERSHIP", NETLINK_DROP_MEMBERSHIP},
  {"NETLINK_PKTINFO", NETLINK_PKTINFO},
  {"NETLINK_BROADCAST_ERROR", NETLINK_BROADCAST_ERROR},
  {"NETLINK_NO_ENOBUFS", NETLINK_NO_ENOBUFS},
#ifdef NETLINK_LISTEN_ALL_NSID
  {"NETLINK_LISTEN_ALL_NSID", NETLINK_LISTEN_ALL_NSID},
#endif
#ifdef NETLINK_CAP_ACK
  {"NETLINK_CAP_ACK", NETLINK_CAP_ACK},
#endif
#ifdef NETLINK_EXT_ACK
  {"NETLINK_EXT_ACK", NETLINK_EXT_ACK},
#endif
#ifdef NETLINK_GET_STRICT_CHK
  {"NETLINK_GET_STRICT_CHK", NETLINK_GET_STRICT_CHK},
#endif
  {"PACKET_ADD_MEMBERSHIP", PACKET_ADD_MEMBERSHIP},
  {"PACKET_DROP_MEMBERSHIP", PACKET_DROP_MEMBERSHIP},
  {"PACKET_ORIGDEV", PACKET_ORIGDEV}, {"PACKET_VERSION", PACKET_VERSION},
  {"PACKET_HDRLEN", PACKET_HDRLEN}, {"PACKET_RESERVE", PACKET_RESERVE},
  {"PACKET_LOSS", PACKET_LOSS}, {"PACKET_VNET_HDR", PACKET_VNET_HDR},
  {"PACKET_TIMESTAMP", PACKET_TIMESTAMP}, {"PACKET_FANOUT", PACKET_FANOUT},
#ifdef PACKET_IGNORE_OUTGOING
  {"PACKET_IGNORE_OUTGOING", PACKET_IGNORE_OUTGOING},
#endif
  {"PACKET_QDISC_BYPASS", PACKET_QDISC_BYPASS},
  {NULL, 0}
};

static const LsockName *lookup(const LsockName *t, const char *s) {
  for (; t->name; t++)
    if (strcmp(t->name, s) == 0) return t;
  return NULL;
}

/* A number, or a name of table t (what: for the message). */
static lua_Integer checklname(lua_State *L, int arg, const LsockName *t,
                              const char *what) {
  const LsockName *n;
  const char *s;
  if (lua_type(L, arg) == LUA_TNUMBER) return luaL_checkinteger(L, arg);
  s = luaL_checkstring(L, arg);
  if (strlen(s) != lua_rawlen(L, arg) || (n = lookup(t, s)) == NULL)
    return luaL_argerror(L, arg, lua_pushfstring(L, "unknown %s '%s'",
                                                 what, s));
  return n->value;
}


/* Protocols ---------------------------------------------------------------- */

/* The protocol argument of lsock.socket for 'family': netlink protocols
** and ethertypes (host byte order) by name; others as args.c reads them. */
int lsockI_checkfamproto(lua_State *L, int arg, int family) {
  lua_Integer v;
  if (lua_isnoneornil(L, arg)) return 0;
  if (family == AF_NETLINK) v = checklname(L, arg, nlprotos,
                                           "netlink protocol");
  else if (family == AF_PACKET) {
    v = checklname(L, arg, ethertypes, "ethertype");
    luaL_argcheck(L, v >= 0 && v <= 0xffff, arg, "ethertype out of range");
  } else return lsockI_checkprotocol(L, arg, 0);
  luaL_argcheck(L, v >= 0 && v <= 0x7fffffff, arg, "protocol out of range");
  return (int)v;
}

/* What socket(2) takes: ethertypes in network byte order. */
int lsockI_sysproto(int family, int protocol) {
  return family == AF_PACKET ? (int)htons((uint16_t)protocol) : protocol;
}


/* Addresses ---------------------------------------------------------------- */

/* t[k] as an integer in [lo, hi], or def when absent. */
static lua_Integer intfield(lua_State *L, int t, const char *k,
                            lua_Integer lo, lua_Integer hi,
                            lua_Integer def) {
  lua_Integer v;
  int isnum;
  lua_getfield(L, t, k);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return def;
  }
  v = lua_tointegerx(L, -1, &isnum);
  if (!isnum)
    return luaL_argerror(L, t, lua_pushfstring(L, "field '%s': integer "
                         "expected, got %s", k, luaL_typename(L, -1)));
  if (v < lo || v > hi)
    return luaL_argerror(L, t, lua_pushfstring(L, "field '%s' out of "
                         "range", k));
  lua_pop(L, 1);
  return v;
}

/* t[k]: a number or a name of table n. */
static lua_Integer namefield(lua_State *L, int t, const char *k,
                             const LsockName *n, const char *what,
                             lua_Integer def) {
  const LsockName *f;
  lua_getfield(L, t, k);
  if (lua_type(L, -1) == LUA_TSTRING) {
    const char *s = lua_tostring(L, -1);
    /* a name holding a NUL names nothing (C would match its head) */
    if (strlen(s) != lua_rawlen(L, -1) || (f = lookup(n, s)) == NULL)
      return luaL_argerror(L, t, lua_pushfstring(L, "field '%s': unknown "
                           "%s '%s'", k, what, s));
    lua_pop(L, 1);
    return f->value;
  }
  lua_pop(L, 1);
  return intfield(L, t, k, 0, 0xffff, def);
}

/* The interface of field k: an index or a name. */
static int iffield(lua_State *L, int t, const char *k) {
  unsigned idx;
  lua_getfield(L, t, k);
  if (lua_type(L, -1) == LUA_TSTRING) {
    const char *s = lua_tostring(L, -1);
    idx = strlen(s) == lua_rawlen(L, -1) ? if_nametoindex(s) : 0;
    if (idx == 0)
      return luaL_argerror(L, t, lua_pushfstring(L, "field '%s': no "
                           "interface '%s'", k, lua_tostring(L, -1)));
    lua_pop(L, 1);
    return (int)idx;
  }
  lua_pop(L, 1);
  return (int)intfield(L, t, k, 0, 0x7fffffff, 0);
}

/* A hardware address from field k (bytes) into p (at most HWMAX);
** ethernet (hatype 0 or ARPHRD_ETHER) takes exactly 6 bytes. */
static unsigned char hwfield(lua_State *L, int t, const char *k, int hatype,
                             unsigned char *p) {
  size_t n = 0;
  const char *s;
  lua_getfield(L, t, k);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return 0;
  }
  if (lua_type(L, -1) != LUA_TSTRING)
    return (unsigned char)luaL_argerror(L, t, lua_pushfstring(L, "field "
            "'%s': bytes expected, got %s", k, luaL_typename(L, -1)));
  s = lua_tolstring(L, -1, &n);
  if ((hatype == 0 || hatype == ARPHRD_ETHER) && n != 0 && n != ETH_ALEN)
    return (unsigned char)luaL_argerror(L, t, lua_pushfstring(L,
            "field '%s': ethernet address of %d bytes (6 expected; give "
            "the bytes, not text)", k, (int)n));
  if (n > HWMAX)
    return (unsigned char)luaL_argerror(L, t, lua_pushfstring(L,
            "field '%s': hardware address of %d bytes (at most %d)", k,
            (int)n, (int)HWMAX));
  memcpy(p, s, n);
  lua_pop(L, 1);
  return (unsigned char)n;
}

/* lsock.addr{family = ...} at arg t.  Netlink and packet addresses are
** built into *a (returns 0).  For the others, the positional arguments
** lsock.addr would take are pushed and the family returned: inet/inet6
** push host and port, unix pushes the path; lsockI_tablefix finishes. */
int lsockI_tableaddr(lua_State *L, int t, Addr *a) {
  int family;
  memset(a, 0, sizeof *a);
  lua_getfield(L, t, "family");
  if (lua_isnil(L, -1))
    return luaL_argerror(L, t, "field 'family' expected");
  family = lsockI_checkfamily(L, lua_gettop(L), -1);
  lua_pop(L, 1);
  switch (family) {
    case AF_NETLINK:
      snl(a)->nl_family = AF_NETLINK;
      snl(a)->nl_pid = (uint32_t)intfield(L, t, "pid", 0, 0xffffffff, 0);
      snl(a)->nl_groups = (uint32_t)intfield(L, t, "groups", 0, 0xffffffff,
                                             0);
      a->len = sizeof(struct sockaddr_nl);
      return 0;
    case AF_PACKET: {
      struct sockaddr_ll *l = sll(a);
      l->sll_family = AF_PACKET;
      l->sll_ifindex = iffield(L, t, "ifindex");
      l->sll_protocol = htons((uint16_t)namefield(L, t, "protocol",
                                                  ethertypes, "ethertype",
                                                  0));
      l->sll_hatype = (unsigned short)intfield(L, t, "hatype", 0, 0xffff, 0);
      l->sll_pkttype = (unsigned char)namefield(L, t, "pkttype", pkttypes,
                                                "packet type", 0);
      l->sll_halen = hwfield(L, t, "address", l->sll_hatype, l->sll_addr);
      a->len = sizeof(struct sockaddr_ll);
      return 0;
    }
    case AF_UNIX:
      lua_getfield(L, t, "path");
      if (lua_type(L, -1) != LUA_TSTRING)
        return luaL_argerror(L, t, "field 'path': string expected");
      return AF_UNIX;
    case AF_INET: case AF_INET6:
      lua_getfield(L, t, "host");
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushliteral(L, "*");
      } else if (lua_type(L, -1) != LUA_TSTRING) {
        return luaL_argerror(L, t, "field 'host': string expected");
      }
      lua_pushinteger(L, intfield(L, t, "port", 0, 65535, 0));
      return family;
    case AF_UNSPEC:
      /* {family = "unspec"}: connect to it dissolves a datagram socket's
      ** association (connect(2)); lsock.compat's setpeername("*"). */
      a->ss.ss_family = AF_UNSPEC;
      a->len = sizeof(sa_family_t);
      return 0;
    default:
      return luaL_argerror(L, t, lua_pushfstring(L, "no table form for "
                           "family %d", family));
  }
}

/* The inet6 fields the host text does not carry: scope (an index or an
** interface name) and flowinfo. */
void lsockI_tablefix(lua_State *L, int t, Addr *a) {
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
  lua_getfield(L, t, "scope");
  if (!lua_isnil(L, -1)) {
    lua_pop(L, 1);
    s6->sin6_scope_id = (uint32_t)iffield(L, t, "scope");
  } else {
    lua_pop(L, 1);
  }
  lua_getfield(L, t, "flowinfo");
  if (!lua_isnil(L, -1))
    s6->sin6_flowinfo = htonl((uint32_t)intfield(L, t, "flowinfo", 0,
                                                 0xfffff, 0));
  lua_pop(L, 1);
}

static void pushhw(lua_State *L, const struct sockaddr_ll *l) {
  size_t n = l->sll_halen > HWMAX ? HWMAX : l->sll_halen;
  lua_pushlstring(L, (const char *)l->sll_addr, n);
}

/* Fields of netlink and packet addresses; 0 when k is not one. */
int lsockI_linkindex(lua_State *L, const Addr *a, const char *k) {
  if (a->ss.ss_family == AF_NETLINK) {
    if (strcmp(k, "pid") == 0) lua_pushinteger(L, csnl(a)->nl_pid);
    else if (strcmp(k, "groups") == 0)
      lua_pushinteger(L, csnl(a)->nl_groups);
    else return 0;
    return 1;
  }
  if (a->ss.ss_family == AF_PACKET) {
    const struct sockaddr_ll *l = csll(a);
    if (strcmp(k, "ifindex") == 0) lua_pushinteger(L, l->sll_ifindex);
    else if (strcmp(k, "protocol") == 0)
      lua_pushinteger(L, ntohs(l->sll_protocol));
    else if (strcmp(k, "hatype") == 0) lua_pushinteger(L, l->sll_hatype);
    else if (strcmp(k, "pkttype") == 0) lua_pushinteger(L, l->sll_pkttype);
    else if (strcmp(k, "address") == 0) pushhw(L, l);
    else return 0;
    return 1;
  }
  return 0;
}

/* netlink:pid/groups and packet:ifindex/0xethertype/aa:bb:cc:dd:ee:ff;
** 0 for other families. */
int lsockI_linktostring(lua_State *L, const Addr *a) {
  if (a->ss.ss_family == AF_NETLINK) {
    char buf[48];
    snprintf(buf, sizeof buf, "netlink:%u/0x%x", (unsigned)csnl(a)->nl_pid,
             (unsigned)csnl(a)->nl_groups);
    lua_pushstring(L, buf);
    return 1;
  }
  if (a->ss.ss_family == AF_PACKET) {
    const struct sockaddr_ll *l = csll(a);
    char buf[96];
    size_t i, n = l->sll_halen > HWMAX ? HWMAX : l->sll_halen;
    int off = snprintf(buf, sizeof buf, "packet:%d/0x%04x/", l->sll_ifindex,
                       (unsigned)ntohs(l->sll_protocol));
    for (i = 0; i < n; i++)
      off += snprintf(buf + off, sizeof buf - (size_t)off, i ? ":%02x"
                      : "%02x", l->sll_addr[i]);
    lua_pushstring(L, buf);
    return 1;
  }
  return 0;
}


/* Options ------------------------------------------------------------------ */

/* packet_mreq: {ifindex=, type="promisc"|"multicast"|"allmulti"|n,
** address=bytes} into v->b. */
int lsockI_encodepmreq(lua_State *L, const char *option, LsockOptval *v,
                       socklen_t *len) {
  struct packet_mreq m;
  if (!lua_istable(L, 4))
    return lsockI_kinderror(L, option,
                            "table {ifindex=, type=, address=}");
  memset(&m, 0, sizeof m);
  /* both required: a missing one would silently be 0 (no interface, or
  ** PACKET_MR_MULTICAST) */
  lua_getfield(L, 4, "ifindex");
  lua_getfield(L, 4, "type");
  if (lua_isnil(L, -1) || lua_isnil(L, -2))
    return lsockI_kinderror(L, option, "table {ifindex=, type=, address=} "
                            "(ifindex and type required)");
  lua_pop(L, 2);
  m.mr_ifindex = iffield(L, 4, "ifindex");
  m.mr_type = (unsigned short)namefield(L, 4, "type", mreqtypes,
                                        "membership type", 0);
  {
    unsigned char hw[HWMAX];
    unsigned char n = hwfield(L, 4, "address", 0, hw);
    m.mr_alen = n;
    memcpy(m.mr_address, hw, n);
  }
  memcpy(v->b, &m, sizeof m);
  *len = sizeof m;
  return 0;
}


/* Called with the module table on top. */
void lsockI_open_link(lua_State *L) {
  const LsockName *c;
  for (c = constants; c->name; c++) {
    lua_pushinteger(L, c->value);
    lua_setfield(L, -2, c->name);
  }
}
