/*
** lsock.getifaddrs: the machine's interfaces and their addresses.  Above
** addr.c (each address is a sockaddr userdata) and link.c (packet
** addresses); one idea: every entry of getifaddrs(3) is one table, its
** flags spelt as words.
*/
#include "compat.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>

#include "lsock.h"


#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP  0x10000
#endif
#ifndef IFF_DORMANT
#define IFF_DORMANT   0x20000
#endif
#ifndef IFF_ECHO
#define IFF_ECHO      0x40000
#endif

static const LsockName ifflags[] = {
  {"up", IFF_UP}, {"broadcast", IFF_BROADCAST}, {"debug", IFF_DEBUG},
  {"loopback", IFF_LOOPBACK}, {"pointopoint", IFF_POINTOPOINT},
  {"notrailers", IFF_NOTRAILERS}, {"running", IFF_RUNNING},
  {"noarp", IFF_NOARP}, {"promisc", IFF_PROMISC},
  {"allmulti", IFF_ALLMULTI}, {"master", IFF_MASTER},
  {"slave", IFF_SLAVE}, {"multicast", IFF_MULTICAST},
  {"portsel", IFF_PORTSEL}, {"automedia", IFF_AUTOMEDIA},
  {"dynamic", IFF_DYNAMIC}, {"lower_up", IFF_LOWER_UP},
  {"dormant", IFF_DORMANT}, {"echo", IFF_ECHO}, {NULL, 0}
};

static socklen_t salen(const struct sockaddr *sa) {
  switch (sa->sa_family) {
    case AF_INET: return sizeof(struct sockaddr_in);
    case AF_INET6: return sizeof(struct sockaddr_in6);
    case AF_PACKET: return sizeof(struct sockaddr_ll);
    case AF_NETLINK: return sizeof(struct sockaddr_nl);
    default: return sizeof(struct sockaddr);
  }
}

static void setsa(lua_State *L, const struct sockaddr *sa, const char *k) {
  if (sa == NULL) return;
  lsockI_pushaddr(L, sa, salen(sa));
  lua_setfield(L, -2, k);
}

/*** The machine's interfaces and their addresses.
One entry per address: every interface appears at least once (its
packet-family entry, or an entry without `addr`).
@function getifaddrs
@treturn {table,...} {name=, index=, flags={up=true, loopback=true, ...},
  addr=sockaddr, netmask=sockaddr, broadaddr=sockaddr or dstaddr=sockaddr}
@return[2] nil, msg, errno
@usage for _, i in ipairs(assert(lsock.getifaddrs())) do
  print(i.name, i.addr) end
@see getifaddrs(3)
*/
static int lsock_getifaddrs(lua_State *L) {
  struct ifaddrs *list, *i;
  lua_Integer n = 0;
  if (getifaddrs(&list) == -1) return lsockI_fail(L, errno);
  lua_newtable(L);
  for (i = list; i; i = i->ifa_next) {
    const LsockName *f;
    lua_createtable(L, 0, 6);
    lua_pushstring(L, i->ifa_name);
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, if_nametoindex(i->ifa_name));
    lua_setfield(L, -2, "index");
    lua_newtable(L);
    for (f = ifflags; f->name; f++)
      if (i->ifa_flags & (unsigned)f->value) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, f->name);
      }
    lua_setfield(L, -2, "flags");
    setsa(L, i->ifa_addr, "addr");
    setsa(L, i->ifa_netmask, "netmask");
    if (i->ifa_flags & IFF_POINTOPOINT) setsa(L, i->ifa_dstaddr, "dstaddr");
    else if (i->ifa_flags & IFF_BROADCAST)
      setsa(L, i->ifa_broadaddr, "broadaddr");
    lua_rawseti(L, -2, ++n);
  }
  freeifaddrs(list);
  return 1;
}

static const luaL_Reg funcs[] = {
  {"getifaddrs", lsock_getifaddrs},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_ifaddrs(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
}
