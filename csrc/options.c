/*
** setsockopt/getsockopt from one table.  Each row gives an option's Lua
** level and name, its C level and constant, the kind of its value and
** whether it can be read and written; both calls read the row, so adding
** an option is one line.  Numeric levels/names missing from the table pass
** through raw, as in C.  lsock.options() hands the same rows to Lua (specs,
** the generated doc/options.md).  Multicast value kinds live in mcastopt.c.
*/
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include "lsock.h"

typedef enum Access { RW, RO, WO } Access;

typedef struct Opt {
  const char *levelname, *name, *cname;
  int level, optname;
  LsockKind kind;
  Access access;
} Opt;

#define S(n, c, k, a)   {"socket", n, #c, SOL_SOCKET, c, k, a}
#define IP(n, c, k, a)  {"ip", n, #c, IPPROTO_IP, c, k, a}
#define IP6(n, c, k, a) {"ipv6", n, #c, IPPROTO_IPV6, c, k, a}
#define TCP(n, c, k, a) {"tcp", n, #c, IPPROTO_TCP, c, k, a}
#define UDP(n, c, k, a) {"udp", n, #c, IPPROTO_UDP, c, k, a}
#define NL(n, c, k, a)  {"netlink", n, #c, SOL_NETLINK, c, k, a}
#define PK(n, c, k, a)  {"packet", n, #c, SOL_PACKET, c, k, a}

/* The order here is the order of doc/options.md.  Options newer than some
** libc headers sit under their own #ifdef. */
static const Opt options[] = {
  S("type", SO_TYPE, K_INT, RO),
  S("error", SO_ERROR, K_INT, RO),
  S("acceptconn", SO_ACCEPTCONN, K_BOOL, RO),
#ifdef SO_DOMAIN
  S("domain", SO_DOMAIN, K_INT, RO),
  S("protocol", SO_PROTOCOL, K_INT, RO),
#endif
  S("reuseaddr", SO_REUSEADDR, K_BOOL, RW),
#ifdef SO_REUSEPORT
  S("reuseport", SO_REUSEPORT, K_BOOL, RW),
#endif
  S("keepalive", SO_KEEPALIVE, K_BOOL, RW),
  S("broadcast", SO_BROADCAST, K_BOOL, RW),
  S("dontroute", SO_DONTROUTE, K_BOOL, RW),
  S("oobinline", SO_OOBINLINE, K_BOOL, RW),
  S("linger", SO_LINGER, K_LINGER, RW),
  S("rcvbuf", SO_RCVBUF, K_INT, RW),
  S("sndbuf", SO_SNDBUF, K_INT, RW),
#ifdef SO_RCVBUFFORCE
  S("rcvbufforce", SO_RCVBUFFORCE, K_INT, WO),
  S("sndbufforce", SO_SNDBUFFORCE, K_INT, WO),
#endif
  S("rcvlowat", SO_RCVLOWAT, K_INT, RW),
  S("sndlowat", SO_SNDLOWAT, K_INT, RW),
  S("rcvtimeo", SO_RCVTIMEO, K_TIME, RW),
  S("sndtimeo", SO_SNDTIMEO, K_TIME, RW),
#ifdef SO_BINDTODEVICE
  S("bindtodevice", SO_BINDTODEVICE, K_STR, RW),
  S("priority", SO_PRIORITY, K_INT, RW),
  S("mark", SO_MARK, K_INT, RW),
  S("passcred", SO_PASSCRED, K_BOOL, RW),
  S("peercred", SO_PEERCRED, K_UCRED, RO),
  S("timestamp", SO_TIMESTAMP, K_BOOL, RW),
  S("timestampns", SO_TIMESTAMPNS, K_BOOL, RW),
#endif
#ifdef SO_BUSY_POLL
  S("busy_poll", SO_BUSY_POLL, K_INT, RW),
#endif
#ifdef SO_INCOMING_CPU
  S("incoming_cpu", SO_INCOMING_CPU, K_INT, RW),
#endif
#ifdef SO_COOKIE
  S("cookie", SO_COOKIE, K_U64, RO),
#endif
  IP("tos", IP_TOS, K_INT, RW),
  IP("ttl", IP_TTL, K_INT, RW),
  IP("hdrincl", IP_HDRINCL, K_BOOL, RW),
  IP("pktinfo", IP_PKTINFO, K_BOOL, RW),
  IP("recvttl", IP_RECVTTL, K_BOOL, RW),
  IP("recvtos", IP_RECVTOS, K_BOOL, RW),
  IP("recverr", IP_RECVERR, K_BOOL, RW),
#ifdef IP_MTU_DISCOVER
  IP("mtu_discover", IP_MTU_DISCOVER, K_INT, RW),
  IP("mtu", IP_MTU, K_INT, RO),
  IP("freebind", IP_FREEBIND, K_BOOL, RW),
  IP("transparent", IP_TRANSPARENT, K_BOOL, RW),
#endif
#ifdef IP_BIND_ADDRESS_NO_PORT
  IP("bind_address_no_port", IP_BIND_ADDRESS_NO_PORT, K_BOOL, RW),
#endif
  IP("multicast_if", IP_MULTICAST_IF, K_IF4, RW),
  IP("multicast_ttl", IP_MULTICAST_TTL, K_INT, RW),
  IP("multicast_loop", IP_MULTICAST_LOOP, K_BOOL, RW),
#ifdef IP_MULTICAST_ALL
  IP("multicast_all", IP_MULTICAST_ALL, K_BOOL, RW),
#endif
  IP("add_membership", IP_ADD_MEMBERSHIP, K_MREQ, WO),
  IP("drop_membership", IP_DROP_MEMBERSHIP, K_MREQ, WO),
  IP("add_source_membership", IP_ADD_SOURCE_MEMBERSHIP, K_MREQSRC, WO),
  IP("drop_source_membership", IP_DROP_SOURCE_MEMBERSHIP, K_MREQSRC, WO),
  IP("block_source", IP_BLOCK_SOURCE, K_MREQSRC, WO),
  IP("unblock_source", IP_UNBLOCK_SOURCE, K_MREQSRC, WO),
  IP6("v6only", IPV6_V6ONLY, K_BOOL, RW),
  IP6("unicast_hops", IPV6_UNICAST_HOPS, K_INT, RW),
  IP6("multicast_hops", IPV6_MULTICAST_HOPS, K_INT, RW),
  IP6("multicast_loop", IPV6_MULTICAST_LOOP, K_BOOL, RW),
  IP6("multicast_if", IPV6_MULTICAST_IF, K_IF6, RW),
#ifdef IPV6_MULTICAST_ALL
  IP6("multicast_all", IPV6_MULTICAST_ALL, K_BOOL, RW),
#endif
  IP6("join_group", IPV6_JOIN_GROUP, K_MREQ6, WO),
  IP6("leave_group", IPV6_LEAVE_GROUP, K_MREQ6, WO),
  IP6("add_membership", IPV6_ADD_MEMBERSHIP, K_MREQ6, WO),
  IP6("drop_membership", IPV6_DROP_MEMBERSHIP, K_MREQ6, WO),
#ifdef MCAST_JOIN_SOURCE_GROUP
  IP6("join_source_group", MCAST_JOIN_SOURCE_GROUP, K_GSR, WO),
  IP6("leave_source_group", MCAST_LEAVE_SOURCE_GROUP, K_GSR, WO),
  IP6("block_source", MCAST_BLOCK_SOURCE, K_GSR, WO),
  IP6("unblock_source", MCAST_UNBLOCK_SOURCE, K_GSR, WO),
#endif
  IP6("recvpktinfo", IPV6_RECVPKTINFO, K_BOOL, RW),
  IP6("recvhoplimit", IPV6_RECVHOPLIMIT, K_BOOL, RW),
  IP6("tclass", IPV6_TCLASS, K_INT, RW),
  IP6("recvtclass", IPV6_RECVTCLASS, K_BOOL, RW),
#ifdef IPV6_DONTFRAG
  IP6("dontfrag", IPV6_DONTFRAG, K_BOOL, RW),
#endif
#ifdef IPV6_MTU_DISCOVER
  IP6("mtu_discover", IPV6_MTU_DISCOVER, K_INT, RW),
#endif
  TCP("nodelay", TCP_NODELAY, K_BOOL, RW),
  TCP("maxseg", TCP_MAXSEG, K_INT, RW),
#ifdef TCP_CORK
  TCP("cork", TCP_CORK, K_BOOL, RW),
#endif
#ifdef TCP_KEEPIDLE
  TCP("keepidle", TCP_KEEPIDLE, K_INT, RW),
  TCP("keepintvl", TCP_KEEPINTVL, K_INT, RW),
  TCP("keepcnt", TCP_KEEPCNT, K_INT, RW),
#endif
#ifdef TCP_USER_TIMEOUT
  TCP("user_timeout", TCP_USER_TIMEOUT, K_INT, RW),
#endif
#ifdef TCP_DEFER_ACCEPT
  TCP("defer_accept", TCP_DEFER_ACCEPT, K_INT, RW),
#endif
#ifdef TCP_FASTOPEN
  TCP("fastopen", TCP_FASTOPEN, K_INT, RW),
#endif
#ifdef TCP_FASTOPEN_CONNECT
  TCP("fastopen_connect", TCP_FASTOPEN_CONNECT, K_BOOL, RW),
#endif
#ifdef TCP_QUICKACK
  TCP("quickack", TCP_QUICKACK, K_BOOL, RW),
#endif
#ifdef TCP_NOTSENT_LOWAT
  TCP("notsent_lowat", TCP_NOTSENT_LOWAT, K_INT, RW),
#endif
#ifdef TCP_CONGESTION
  TCP("congestion", TCP_CONGESTION, K_STR, RW),
#endif
#ifdef TCP_INFO
  TCP("info", TCP_INFO, K_TCPINFO, RO),
#endif
#ifdef UDP_CORK
  UDP("cork", UDP_CORK, K_BOOL, RW),
#endif
#ifdef UDP_SEGMENT
  UDP("segment", UDP_SEGMENT, K_INT, RW),
#endif
#ifdef UDP_GRO
  UDP("gro", UDP_GRO, K_BOOL, RW),
#endif
  NL("add_membership", NETLINK_ADD_MEMBERSHIP, K_INT, WO),
  NL("drop_membership", NETLINK_DROP_MEMBERSHIP, K_INT, WO),
  NL("pktinfo", NETLINK_PKTINFO, K_BOOL, RW),
  NL("broadcast_error", NETLINK_BROADCAST_ERROR, K_BOOL, RW),
  NL("no_enobufs", NETLINK_NO_ENOBUFS, K_BOOL, RW),
#ifdef NETLINK_LISTEN_ALL_NSID
  NL("listen_all_nsid", NETLINK_LISTEN_ALL_NSID, K_BOOL, RW),
#endif
#ifdef NETLINK_CAP_ACK
  NL("cap_ack", NETLINK_CAP_ACK, K_BOOL, RW),
#endif
#ifdef NETLINK_EXT_ACK
  NL("ext_ack", NETLINK_EXT_ACK, K_BOOL, RW),
#endif
#ifdef NETLINK_GET_STRICT_CHK
  NL("get_strict_chk", NETLINK_GET_STRICT_CHK, K_BOOL, RW),
#endif
  PK("add_membership", PACKET_ADD_MEMBERSHIP, K_PMREQ, WO),
  PK("drop_membership", PACKET_DROP_MEMBERSHIP, K_PMREQ, WO),
  PK("auxdata", PACKET_AUXDATA, K_BOOL, RW),
  PK("origdev", PACKET_ORIGDEV, K_BOOL, RW),
  PK("version", PACKET_VERSION, K_INT, RW),
  PK("hdrlen", PACKET_HDRLEN, K_INT, RO),
  PK("reserve", PACKET_RESERVE, K_INT, RW),
  PK("loss", PACKET_LOSS, K_BOOL, RW),
  PK("vnet_hdr", PACKET_VNET_HDR, K_BOOL, RW),
  PK("timestamp", PACKET_TIMESTAMP, K_INT, RW),
  PK("fanout", PACKET_FANOUT, K_INT, RW),
#ifdef PACKET_IGNORE_OUTGOING
  PK("ignore_outgoing", PACKET_IGNORE_OUTGOING, K_BOOL, RW),
#endif
  PK("qdisc_bypass", PACKET_QDISC_BYPASS, K_BOOL, RW),
  {NULL, NULL, NULL, 0, 0, K_INT, RW}
};

/* What each kind is called in lsock.options() and the doc, and the Lua
** value it takes (set) and gives (get). */
static const struct { const char *name, *value; } kinds[] = {
  {"bool", "boolean (integers accepted)"},
  {"int", "integer"},
  {"time", "seconds, a number (struct timeval)"},
  {"linger", "`{onoff=boolean, linger=seconds}`"},
  {"string", "string"},
  {"ucred", "`{pid=, uid=, gid=}`"},
  {"tcp_info", "table of the tcp_info fields without `tcpi_` (`state`, "
               "`rtt`, `rttvar`, `snd_cwnd`, `retransmits`, "
               "`total_retrans`, ...)"},
  {"uint64", "integer (64 bits)"},
  {"ip_mreqn", "group string, or `{multiaddr=, interface=}` with interface "
               "a local address, an index or a name"},
  {"ip_mreq_source", "`{multiaddr=, sourceaddr=, interface=}`, interface "
                     "a local address, an index or a name"},
  {"ipv6_mreq", "group string, or `{multiaddr=, interface=}` with interface "
                "an index or a name"},
  {"group_source_req", "`{multiaddr=, sourceaddr=, interface=}`, "
                       "interface an index or a name"},
  {"ip_mreqn_if", "set: local address, index, name or "
                  "`{address=, ifindex=}`; get: the address string"},
  {"ifindex", "set: index or name; get: the index"},
  {"packet_mreq", "`{ifindex=, type=\"promisc\"|\"multicast\"|"
                  "\"allmulti\", address=<bytes>}`, ifindex an index "
                  "or a name"},
};

static const struct { const char *name; int level; } levels[] = {
  {"socket", SOL_SOCKET}, {"ip", IPPROTO_IP}, {"ipv6", IPPROTO_IPV6},
  {"tcp", IPPROTO_TCP}, {"udp", IPPROTO_UDP},
  {"netlink", SOL_NETLINK}, {"packet", SOL_PACKET}, {NULL, 0}
};


/* Helpers ----------------------------------------------------------------- */

/* The level at arg 2: a number, or a name from 'levels'. */
/* The level named 'name' ("socket", "ip"...): its canonical name (or
** NULL when unknown) and, through *level, its number.  cmsg.c's ancillary
** items name their levels with the same words. */
const char *lsockI_levelbyname(const char *name, int *level) {
  int i;
  for (i = 0; levels[i].name; i++)
    if (strcmp(levels[i].name, name) == 0) {
      *level = levels[i].level;
      return levels[i].name;
    }
  return NULL;
}

static int checklevel(lua_State *L, const char **name) {
  const char *s;
  int level = 0;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    *name = NULL;
    return lsockI_checkint(L, 2);
  }
  s = luaL_checkstring(L, 2);
  if ((*name = lsockI_levelbyname(s, &level)) == NULL)
    return luaL_argerror(L, 2, lua_pushfstring(L, "unknown level '%s'", s));
  return level;
}

/* The row for the level at 2 and name at 3, or NULL with *level and
** *optname set for a raw (numeric, unknown) option. */
static const Opt *checkopt(lua_State *L, int *level, int *optname) {
  const char *lname, *name;
  const Opt *o;
  *level = checklevel(L, &lname);
  if (lua_type(L, 3) == LUA_TNUMBER) {
    *optname = lsockI_checkint(L, 3);
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

/* Raises when the row forbids the direction (C would say ENOPROTOOPT;
** the table knows, so the programmer hears it at once). */
static void checkaccess(lua_State *L, const Opt *o, Access forbidden) {
  if (o->access == forbidden)
    luaL_argerror(L, 3, lua_pushfstring(L, "option '%s' is %s", o->name,
                  forbidden == RO ? "read-only" : "write-only"));
}

static int toint(lua_State *L, const char *option, int arg, int isbool) {
  int isnum;
  lua_Integer v;
  if (isbool && lua_isboolean(L, arg)) return lua_toboolean(L, arg);
  v = lua_tointegerx(L, arg, &isnum);
  if (!isnum) return lsockI_kinderror(L, option, isbool ? "boolean"
                                                        : "integer");
  if (v < INT_MIN || v > INT_MAX)
    return luaL_argerror(L, arg, "value out of range");
  return (int)v;
}

/* Encodes the value at 4 for a scalar kind into v; returns its length. */
static socklen_t encode(lua_State *L, const Opt *o, LsockOptval *v,
                        const void **p) {
  switch (o->kind) {
    case K_BOOL: case K_INT:
      v->i = toint(L, o->name, 4, o->kind == K_BOOL);
      return sizeof v->i;
    case K_TIME: {
      double t;
      if (lua_type(L, 4) != LUA_TNUMBER) lsockI_kinderror(L, o->name,
                                                          "seconds");
      t = lua_tonumber(L, 4);
      luaL_argcheck(L, t >= 0 && t < 1e15, 4, "seconds out of range");
      /* Microseconds rounded up: a tiny timeout must not become 0,
      ** which the kernel reads as "no timeout". */
      v->tv.tv_sec = (time_t)t;
      v->tv.tv_usec = (suseconds_t)ceil((t - (double)v->tv.tv_sec) * 1e6);
      if (v->tv.tv_usec >= 1000000) v->tv.tv_sec++, v->tv.tv_usec = 0;
      return sizeof v->tv;
    }
    case K_LINGER: {
      /* Both fields are required and typed: a linger of 0 with onoff
      ** set turns close() into a RST, so garbage must never read as 0. */
      lua_Integer secs;
      int isint, onoff;
      if (!lua_istable(L, 4))
        lsockI_kinderror(L, o->name, "table {onoff=, linger=}");
      lua_getfield(L, 4, "onoff");
      if (lua_isboolean(L, -1)) onoff = lua_toboolean(L, -1);
      else {
        lua_Integer b = lua_type(L, -1) == LUA_TNUMBER
                        ? lua_tointegerx(L, -1, &isint) : (isint = 0);
        if (!isint || (b != 0 && b != 1))
          luaL_argerror(L, 4, "field 'onoff' must be a boolean");
        onoff = (int)b;
      }
      lua_getfield(L, 4, "linger");
      secs = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint)
                                            : (isint = 0);
      if (!isint)
        luaL_argerror(L, 4, "field 'linger' must be an integer (seconds)");
      luaL_argcheck(L, secs >= 0 && secs <= INT_MAX, 4,
                    "linger out of range");
      v->lg.l_onoff = onoff;
      v->lg.l_linger = (int)secs;
      lua_pop(L, 2);
      return sizeof v->lg;
    }
    case K_STR: {
      size_t n;
      if (lua_type(L, 4) != LUA_TSTRING) lsockI_kinderror(L, o->name,
                                                          "string");
      *p = lua_tolstring(L, 4, &n);
      return (socklen_t)n;
    }
    default:
      return luaL_argerror(L, 4, "option cannot be set"), 0;
  }
}

static void pushtcpinfo(lua_State *L, const struct tcp_info *t) {
#define F(f)  (lua_pushinteger(L, (lua_Integer)t->tcpi_##f), \
               lua_setfield(L, -2, #f))
  lua_createtable(L, 0, 32);
  F(state); F(ca_state); F(retransmits); F(probes); F(backoff); F(options);
  F(snd_wscale); F(rcv_wscale); F(rto); F(ato); F(snd_mss); F(rcv_mss);
  F(unacked); F(sacked); F(lost); F(retrans); F(fackets);
  F(last_data_sent); F(last_ack_sent); F(last_data_recv); F(last_ack_recv);
  F(pmtu); F(rcv_ssthresh); F(rtt); F(rttvar); F(snd_ssthresh);
  F(snd_cwnd); F(advmss); F(reordering); F(rcv_rtt); F(rcv_space);
  F(total_retrans);
#undef F
}

/* Pushes the value of a scalar kind decoded from v. */
static void decode(lua_State *L, LsockKind kind, const LsockOptval *v) {
  switch (kind) {
    case K_BOOL: lua_pushboolean(L, v->i != 0); break;
    case K_TIME:
      lua_pushnumber(L, (double)v->tv.tv_sec + (double)v->tv.tv_usec * 1e-6);
      break;
    case K_LINGER:
      lua_createtable(L, 0, 2);
      lua_pushboolean(L, v->lg.l_onoff != 0);
      lua_setfield(L, -2, "onoff");
      lua_pushinteger(L, v->lg.l_linger);
      lua_setfield(L, -2, "linger");
      break;
    case K_STR:
      lua_pushstring(L, v->b);  /* NUL-terminated: the union was zeroed */
      break;
#ifdef SO_PEERCRED
    case K_UCRED:
      lua_createtable(L, 0, 3);
      lua_pushinteger(L, v->cred.pid);
      lua_setfield(L, -2, "pid");
      lua_pushinteger(L, v->cred.uid);
      lua_setfield(L, -2, "uid");
      lua_pushinteger(L, v->cred.gid);
      lua_setfield(L, -2, "gid");
      break;
#endif
#ifdef TCP_INFO
    case K_TCPINFO: pushtcpinfo(L, &v->tcpi); break;
#endif
    case K_U64: lua_pushinteger(L, (lua_Integer)v->u64); break;
    default: lua_pushinteger(L, v->i); break;
  }
}

/* How many bytes getsockopt may fill for a kind. */
static socklen_t getlen(LsockKind kind, const LsockOptval *v) {
  switch (kind) {
    case K_TIME: return sizeof v->tv;
    case K_LINGER: return sizeof v->lg;
    case K_STR: return sizeof v->b - 1;  /* keep a NUL at the end */
#ifdef SO_PEERCRED
    case K_UCRED: return sizeof v->cred;
#endif
#ifdef TCP_INFO
    case K_TCPINFO: return sizeof v->tcpi;
#endif
    case K_U64: return sizeof v->u64;
    case K_IF4: return sizeof v->in4;
    default: return sizeof v->i;
  }
}


/* Methods and module functions --------------------------------------------- */

/*** Set a socket option, typed by the option table (doc/options.md).
@function socket:setsockopt
@tparam string|int level "socket", "ip", "ipv6", "tcp", "udp" or a number
@tparam string|int name "reuseaddr", "rcvbuf", "add_membership"... or a number
@param value boolean, integer, seconds, table or string as the option wants
@treturn true
@return[2] nil, msg, errno
@usage s:setsockopt("socket", "reuseaddr", true)
@see setsockopt(2)
*/
static int meth_setsockopt(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  int level, optname;
  const Opt *o = checkopt(L, &level, &optname);
  LsockOptval v;
  const void *p = &v;
  socklen_t len = sizeof v.i;
  memset(&v, 0, sizeof v);
  if (o == NULL) {  /* raw: an integer or the bytes themselves */
    if (lua_type(L, 4) == LUA_TSTRING) {
      size_t n;
      p = lua_tolstring(L, 4, &n);
      len = (socklen_t)n;
    } else {
      v.i = toint(L, "(raw)", 4, 1);
    }
  } else {
    checkaccess(L, o, RO);
    level = o->level;
    optname = o->optname;
    if (o->kind >= K_MREQ) {  /* structs naming groups and interfaces */
      int err = lsockI_encodemcast(L, o->name, o->kind, &optname, &v, &len);
      if (err) return lsockI_fail(L, err);
    } else {
      len = encode(L, o, &v, &p);
    }
  }
  if (setsockopt(s->fd, level, optname, p, len) == -1)
    return lsockI_fail(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}

/*** Read a socket option, typed by the option table.
@function socket:getsockopt
@tparam string|int level
@tparam string|int name
@tparam[opt] int size with a numeric name: return raw bytes of that size
@return the value (boolean, integer, number, table or string)
@return[2] nil, msg, errno
@usage print(s:getsockopt("socket", "rcvbuf"))
@see getsockopt(2)
*/
static int meth_getsockopt(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  int level, optname;
  const Opt *o = checkopt(L, &level, &optname);
  LsockOptval v;
  socklen_t len = sizeof v.i;
  memset(&v, 0, sizeof v);
  if (o != NULL) {
    checkaccess(L, o, WO);
    level = o->level;
    optname = o->optname;
    len = getlen(o->kind, &v);
  }
  if (!lua_isnoneornil(L, 4)) {  /* raw bytes, as many as asked */
    lua_Integer n = luaL_checkinteger(L, 4);
    luaL_Buffer b;
    char *buf;
    luaL_argcheck(L, n >= 0 && n <= 65536, 4, "size out of range");
    buf = luaL_buffinitsize(L, &b, (size_t)n);
    len = (socklen_t)n;
    if (getsockopt(s->fd, level, optname, buf, &len) == -1)
      return lsockI_fail(L, errno);
    luaL_pushresultsize(&b, len);
    return 1;
  }
  if (getsockopt(s->fd, level, optname, &v, &len) == -1)
    return lsockI_fail(L, errno);
  if (o && o->kind == K_IF4) lsockI_pushin4(L, &v.in4);
  else decode(L, o ? o->kind : K_INT, &v);
  return 1;
}

/*** The option table's rows, for specs and docs.
@function options
@treturn {table,...} {level=, name=, constant=, kind=, value=, get=, set=,
  levelnum=, optnum=}
@usage for _, o in ipairs(lsock.options()) do print(o.level, o.name) end
*/
/* lsock.options() -> array of the table's rows, for specs and docs:
** {level=, name=, constant=, kind=, value=, get=, set=, levelnum=,
** optnum=}. */
static int lsock_options(lua_State *L) {
  const Opt *o;
  lua_Integer i = 0;
  lua_createtable(L, (int)(sizeof options / sizeof *options) - 1, 0);
  for (o = options; o->name; o++) {
    lua_createtable(L, 0, 9);
    lua_pushstring(L, o->levelname);
    lua_setfield(L, -2, "level");
    lua_pushstring(L, o->name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, o->cname);
    lua_setfield(L, -2, "constant");
    lua_pushstring(L, kinds[o->kind].name);
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, kinds[o->kind].value);
    lua_setfield(L, -2, "value");
    lua_pushboolean(L, o->access != WO);
    lua_setfield(L, -2, "get");
    lua_pushboolean(L, o->access != RO);
    lua_setfield(L, -2, "set");
    lua_pushinteger(L, o->level);
    lua_setfield(L, -2, "levelnum");
    lua_pushinteger(L, o->optname);
    lua_setfield(L, -2, "optnum");
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

static const luaL_Reg methods[] = {
  {"setsockopt", meth_setsockopt},
  {"getsockopt", meth_getsockopt},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"options", lsock_options},
  {NULL, NULL}
};

/* The methods table on top: adds setsockopt and getsockopt. */
void lsockI_options_methods(lua_State *L) {
  lsockI_addmethods(L, methods);
}

/* Called with the module table on top: adds lsock.options. */
void lsockI_open_options(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
}
