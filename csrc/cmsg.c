/*
** Ancillary data (control messages) to and from Lua.  One table row per
** known kind gives its level and type, its Lua name and the shape of its
** data; encoding (sendmsg) and decoding (recvmsg) both read the row, so a
** new kind is one line plus its case.  Unknown kinds, and any data given
** as a string, travel as raw bytes.
*/
#include "compat.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "lsock.h"

typedef enum Shape {
  C_FDS,      /* int[] <-> array of descriptors */
  C_CRED,     /* struct ucred <-> {pid=, uid=, gid=} */
  C_INT,      /* int <-> integer */
  C_TOS,      /* received as one byte, sent as an int */
  C_TIMEVAL,  /* struct timeval <-> seconds */
  C_TIMESPEC, /* struct timespec <-> seconds */
  C_TS64US,   /* two int64: seconds, microseconds (SO_TIMESTAMP_NEW) */
  C_TS64NS,   /* two int64: seconds, nanoseconds */
  C_TS3,      /* three struct timespec (SCM_TIMESTAMPING) -> {s, s, s} */
  C_PKTINFO,  /* struct in_pktinfo <-> {ifindex=, addr=, spec_dst=} */
  C_PKTINFO6, /* struct in6_pktinfo <-> {ifindex=, addr=} */
  C_ERR,      /* sock_extended_err + offender -> table (receive only) */
  C_ADDR      /* a sockaddr_in/in6 <-> sockaddr */
} Shape;

typedef struct Kind {
  const char *levelname, *name;
  int level, type;
  Shape shape;
} Kind;

static const Kind kinds[] = {
  {"socket", "rights", SOL_SOCKET, SCM_RIGHTS, C_FDS},
#ifdef SCM_CREDENTIALS
  {"socket", "credentials", SOL_SOCKET, SCM_CREDENTIALS, C_CRED},
#endif
  {"socket", "timestamp", SOL_SOCKET, SCM_TIMESTAMP, C_TIMEVAL},
#ifdef SCM_TIMESTAMPNS
  {"socket", "timestampns", SOL_SOCKET, SCM_TIMESTAMPNS, C_TIMESPEC},
#endif
#ifdef SCM_TIMESTAMPING
  {"socket", "timestamping", SOL_SOCKET, SCM_TIMESTAMPING, C_TS3},
#endif
  /* With a 32-bit time_t these are the 64-bit variants; where time_t is
  ** 64 bits the rows above match first and these are never used. */
#ifdef SO_TIMESTAMP_NEW
  {"socket", "timestamp_new", SOL_SOCKET, SO_TIMESTAMP_NEW, C_TS64US},
  {"socket", "timestampns_new", SOL_SOCKET, SO_TIMESTAMPNS_NEW, C_TS64NS},
#endif
#ifdef IP_PKTINFO
  {"ip", "pktinfo", IPPROTO_IP, IP_PKTINFO, C_PKTINFO},
#endif
  {"ip", "ttl", IPPROTO_IP, IP_TTL, C_INT},
  {"ip", "tos", IPPROTO_IP, IP_TOS, C_TOS},
#ifdef IP_RECVERR
  {"ip", "recverr", IPPROTO_IP, IP_RECVERR, C_ERR},
#endif
#ifdef IP_ORIGDSTADDR
  {"ip", "origdstaddr", IPPROTO_IP, IP_ORIGDSTADDR, C_ADDR},
#endif
  {"ipv6", "pktinfo", IPPROTO_IPV6, IPV6_PKTINFO, C_PKTINFO6},
  {"ipv6", "hoplimit", IPPROTO_IPV6, IPV6_HOPLIMIT, C_INT},
  {"ipv6", "tclass", IPPROTO_IPV6, IPV6_TCLASS, C_INT},
#ifdef IPV6_RECVERR
  {"ipv6", "recverr", IPPROTO_IPV6, IPV6_RECVERR, C_ERR},
#endif
#ifdef IPV6_ORIGDSTADDR
  {"ipv6", "origdstaddr", IPPROTO_IPV6, IPV6_ORIGDSTADDR, C_ADDR},
#endif
  {NULL, NULL, 0, 0, C_INT}
};


static const Kind *findkind(int level, int type) {
  const Kind *k;
  for (k = kinds; k->name; k++)
    if (k->level == level && k->type == type) return k;
  return NULL;
}


/* Encoding ---------------------------------------------------------------- */

/* Raise for item i of the ancillary array at arg. */
static int itemerror(lua_State *L, int arg, lua_Integer i, const char *msg) {
  return luaL_argerror(L, arg, lua_pushfstring(L, "ancillary item %I: %s",
                                               (LUAI_UACINT)i, msg));
}

/* The level and type of the item on top: numbers, or names such as
** {"socket", "rights"} and {"ip", "pktinfo"}. */
static const Kind *itemkind(lua_State *L, int arg, lua_Integer i, int *level,
                            int *type) {
  const Kind *k;
  lua_rawgeti(L, -1, 1);
  if (lua_type(L, -1) == LUA_TNUMBER) *level = (int)lua_tointeger(L, -1);
  else if (lua_type(L, -1) == LUA_TSTRING) {
    const char *s = lua_tostring(L, -1);
    if (lsockI_levelbyname(s, level) == NULL)
      itemerror(L, arg, i, "unknown level");
  } else itemerror(L, arg, i, "level expected");
  lua_rawgeti(L, -2, 2);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    *type = (int)lua_tointeger(L, -1);
    lua_pop(L, 2);
    return findkind(*level, *type);
  }
  if (lua_type(L, -1) != LUA_TSTRING) itemerror(L, arg, i, "type expected");
  for (k = kinds; k->name; k++)
    if (k->level == *level && strcmp(k->name, lua_tostring(L, -1)) == 0) {
      *type = k->type;
      lua_pop(L, 2);
      return k;
    }
  return itemerror(L, arg, i, "unknown type for this level"), NULL;
}

/* An IPv4/IPv6 address field of a table: a sockaddr or a literal. */
static int getip(lua_State *L, int t, const char *field, int family,
                 void *out) {
  const Addr *a;
  int r = 0;
  lua_getfield(L, t, field);
  if ((a = lsockI_testaddr(L, -1)) != NULL && a->ss.ss_family == family) {
    if (family == AF_INET)
      memcpy(out, &((const struct sockaddr_in *)&a->ss)->sin_addr, 4);
    else memcpy(out, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, 16);
  } else if (lua_type(L, -1) == LUA_TSTRING)
    r = inet_pton(family, lua_tostring(L, -1), out) == 1 ? 0 : -1;
  else r = lua_isnil(L, -1) ? 0 : -1;
  lua_pop(L, 1);
  return r;
}

static lua_Integer intfield(lua_State *L, int t, const char *k,
                            lua_Integer pos, lua_Integer def) {
  lua_Integer v = def;
  if (lua_getfield(L, t, k) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_rawgeti(L, t, pos);
  }
  if (lua_isinteger(L, -1)) v = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return v;
}

/* The payload size of the data on top for kind k, or (size_t)-1. */
static size_t datasize(lua_State *L, const Kind *k) {
  if (lua_type(L, -1) == LUA_TSTRING) return lua_rawlen(L, -1);
  if (k == NULL) return (size_t)-1;
  switch (k->shape) {
    case C_FDS:
      return lua_istable(L, -1) ? lua_rawlen(L, -1) * sizeof(int)
                                : (size_t)-1;
    case C_CRED: return lua_istable(L, -1) ? sizeof(struct ucred)
                                           : (size_t)-1;
    case C_INT: case C_TOS:
      return lua_isinteger(L, -1) ? sizeof(int) : (size_t)-1;
#ifdef IP_PKTINFO
    case C_PKTINFO: return lua_istable(L, -1) ? sizeof(struct in_pktinfo)
                                              : (size_t)-1;
#endif
    case C_PKTINFO6: return lua_istable(L, -1) ? sizeof(struct in6_pktinfo)
                                               : (size_t)-1;
    default: return (size_t)-1;  /* receive-only shapes: raw bytes only */
  }
}

/* Write the data on top into p (datasize bytes) for kind k. */
static void encode(lua_State *L, int arg, lua_Integer i, const Kind *k,
                   unsigned char *p, size_t n) {
  int d = lua_gettop(L);
  if (lua_type(L, d) == LUA_TSTRING) {
    memcpy(p, lua_tostring(L, d), n);
    return;
  }
  switch (k->shape) {
    case C_FDS: {
      size_t j;
      for (j = 0; j < n / sizeof(int); j++) {
        int fd;
        lua_rawgeti(L, d, (lua_Integer)j + 1);
        fd = lsockI_getfd(L, -1, arg, i, NULL);
        memcpy(p + j * sizeof(int), &fd, sizeof fd);
        lua_pop(L, 1);
      }
      break;
    }
    case C_CRED: {
      struct ucred c;
      c.pid = (pid_t)intfield(L, d, "pid", 1, getpid());
      c.uid = (uid_t)intfield(L, d, "uid", 2, getuid());
      c.gid = (gid_t)intfield(L, d, "gid", 3, getgid());
      memcpy(p, &c, sizeof c);
      break;
    }
    case C_INT: case C_TOS: {
      int v = (int)lua_tointeger(L, d);
      memcpy(p, &v, sizeof v);
      break;
    }
#ifdef IP_PKTINFO
    case C_PKTINFO: {
      struct in_pktinfo pi;
      memset(&pi, 0, sizeof pi);
      pi.ipi_ifindex = (int)intfield(L, d, "ifindex", 0, 0);
      if (getip(L, d, "spec_dst", AF_INET, &pi.ipi_spec_dst)
          || getip(L, d, "addr", AF_INET, &pi.ipi_addr))
        itemerror(L, arg, i, "invalid IPv4 address in pktinfo");
      memcpy(p, &pi, sizeof pi);
      break;
    }
#endif
    case C_PKTINFO6: {
      struct in6_pktinfo pi;
      memset(&pi, 0, sizeof pi);
      pi.ipi6_ifindex = (unsigned)intfield(L, d, "ifindex", 0, 0);
      if (getip(L, d, "addr", AF_INET6, &pi.ipi6_addr))
        itemerror(L, arg, i, "invalid IPv6 address in pktinfo");
      memcpy(p, &pi, sizeof pi);
      break;
    }
    default: break;  /* datasize refused the other shapes */
  }
}

/* Build the control buffer for the ancillary array at arg (nil: none).
** Pushes one value (the buffer userdata, or nil) and returns the buffer
** and its length; the buffer lives as long as that value. */
void *lsockI_encodecmsgs(lua_State *L, int arg, size_t *len) {
  lua_Integer i, n;
  size_t total = 0;
  unsigned char *buf;
  struct cmsghdr *c;
  *len = 0;
  if (!lua_isnoneornil(L, arg)) luaL_checktype(L, arg, LUA_TTABLE);
  n = lua_isnoneornil(L, arg) ? 0 : (lua_Integer)lua_rawlen(L, arg);
  if (n == 0) {
    lua_pushnil(L);
    return NULL;
  }
  luaL_checkstack(L, 8, NULL);
  for (i = 1; i <= n; i++) {  /* pass 1: sizes */
    int level, type;
    size_t sz;
    const Kind *k;
    if (lua_rawgeti(L, arg, i) != LUA_TTABLE)
      itemerror(L, arg, i, "table {level, type, data} expected");
    k = itemkind(L, arg, i, &level, &type);
    lua_rawgeti(L, -1, 3);
    if ((sz = datasize(L, k)) == (size_t)-1)
      itemerror(L, arg, i, "data of the wrong shape for this kind");
    if (sz > 65536) itemerror(L, arg, i, "data too large");
    total += CMSG_SPACE(sz);
    lua_pop(L, 2);
  }
  buf = (unsigned char *)lua_newuserdatauv(L, total, 0);
  memset(buf, 0, total);
  c = (struct cmsghdr *)(void *)buf;
  for (i = 1; i <= n; i++) {  /* pass 2: headers and data */
    int level, type;
    size_t sz;
    const Kind *k;
    /* Code run by pass 1 or by an earlier item of this pass (an __index
    ** on an item's data) may have replaced this item: check it again. */
    if (lua_rawgeti(L, arg, i) != LUA_TTABLE)
      itemerror(L, arg, i, "ancillary array changed while being encoded");
    k = itemkind(L, arg, i, &level, &type);
    lua_rawgeti(L, -1, 3);
    sz = datasize(L, k);
    /* An __index met while encoding an earlier item may have changed
    ** this one since pass 1: never write past what pass 1 sized. */
    if (sz == (size_t)-1 || sz > 65536
        || (size_t)((unsigned char *)c - buf) + CMSG_SPACE(sz) > total)
      itemerror(L, arg, i, "ancillary array changed while being encoded");
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(sz);
    encode(L, arg, i, k, CMSG_DATA(c), sz);
    lua_pop(L, 2);
    c = (struct cmsghdr *)(void *)((unsigned char *)c + CMSG_SPACE(sz));
  }
  *len = total;
  return buf;
}


/* Decoding ---------------------------------------------------------------- */

static void setint(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

/* An IPv4 or IPv6 address (no port) as a sockaddr. */
static void puship(lua_State *L, int family, const void *ip,
                   unsigned scope) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  if (family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    memcpy(&a->sin_addr, ip, 4);
    lsockI_pushaddr(L, (struct sockaddr *)a, sizeof *a);
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    memcpy(&a->sin6_addr, ip, 16);
    a->sin6_scope_id = scope;
    lsockI_pushaddr(L, (struct sockaddr *)a, sizeof *a);
  }
}

static void pushsecs(lua_State *L, int64_t sec, int64_t frac, double unit) {
  lua_pushnumber(L, (double)sec + (double)frac * unit);
}

static void pusherr(lua_State *L, const unsigned char *p, size_t n) {
  struct sock_extended_err e;
  memcpy(&e, p, sizeof e);
  lua_createtable(L, 0, 8);
  setint(L, "errno", e.ee_errno);
  setint(L, "origin", e.ee_origin);
  setint(L, "type", e.ee_type);
  setint(L, "code", e.ee_code);
  setint(L, "pad", e.ee_pad);
  setint(L, "info", e.ee_info);
  setint(L, "data", e.ee_data);
  /* SO_EE_OFFENDER: the address that sent the error, if there is one */
  if (n > sizeof e + sizeof(sa_family_t)) {
    struct sockaddr_storage ss;
    size_t alen = n - sizeof e;
    if (alen > sizeof ss) alen = sizeof ss;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, p + sizeof e, alen);
    if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
      lsockI_pushaddr(L, (struct sockaddr *)&ss, (socklen_t)alen);
      lua_setfield(L, -2, "offender");
    }
  }
}

/* Push the data of one control message: a decoded value when the kind is
** known and the length right, raw bytes otherwise. */
static void decode(lua_State *L, const Kind *k, const unsigned char *p,
                   size_t n) {
  int iv;
  if (k == NULL) goto raw;
  switch (k->shape) {
    case C_FDS: {
      size_t j;
      lua_createtable(L, (int)(n / sizeof(int)), 0);
      for (j = 0; j < n / sizeof(int); j++) {
        memcpy(&iv, p + j * sizeof(int), sizeof iv);
        lua_pushinteger(L, iv);
        lua_rawseti(L, -2, (lua_Integer)j + 1);
      }
      return;
    }
    case C_CRED: {
      struct ucred c;
      if (n < sizeof c) goto raw;
      memcpy(&c, p, sizeof c);
      lua_createtable(L, 0, 3);
      setint(L, "pid", c.pid);
      setint(L, "uid", c.uid);
      setint(L, "gid", c.gid);
      return;
    }
    case C_TOS:
      if (n == 1) {
        lua_pushinteger(L, p[0]);
        return;
      }
      /* FALLTHROUGH */
    case C_INT:
      if (n < sizeof iv) goto raw;
      memcpy(&iv, p, sizeof iv);
      lua_pushinteger(L, iv);
      return;
    case C_TIMEVAL: {
      struct timeval tv;
      if (n < sizeof tv) goto raw;
      memcpy(&tv, p, sizeof tv);
      pushsecs(L, tv.tv_sec, tv.tv_usec, 1e-6);
      return;
    }
    case C_TIMESPEC: {
      struct timespec ts;
      if (n < sizeof ts) goto raw;
      memcpy(&ts, p, sizeof ts);
      pushsecs(L, ts.tv_sec, ts.tv_nsec, 1e-9);
      return;
    }
    case C_TS64US: case C_TS64NS: {
      int64_t t[2];
      if (n < sizeof t) goto raw;
      memcpy(t, p, sizeof t);
      pushsecs(L, t[0], t[1], k->shape == C_TS64US ? 1e-6 : 1e-9);
      return;
    }
    case C_TS3: {  /* software, (deprecated), hardware; 0 when absent */
      struct timespec ts[3];
      int j;
      if (n < sizeof ts) goto raw;
      memcpy(ts, p, sizeof ts);
      lua_createtable(L, 3, 0);
      for (j = 0; j < 3; j++) {
        pushsecs(L, ts[j].tv_sec, ts[j].tv_nsec, 1e-9);
        lua_rawseti(L, -2, j + 1);
      }
      return;
    }
#ifdef IP_PKTINFO
    case C_PKTINFO: {
      struct in_pktinfo pi;
      if (n < sizeof pi) goto raw;
      memcpy(&pi, p, sizeof pi);
      lua_createtable(L, 0, 3);
      setint(L, "ifindex", pi.ipi_ifindex);
      puship(L, AF_INET, &pi.ipi_addr, 0);
      lua_setfield(L, -2, "addr");
      puship(L, AF_INET, &pi.ipi_spec_dst, 0);
      lua_setfield(L, -2, "spec_dst");
      return;
    }
#endif
    case C_PKTINFO6: {
      struct in6_pktinfo pi;
      if (n < sizeof pi) goto raw;
      memcpy(&pi, p, sizeof pi);
      lua_createtable(L, 0, 2);
      setint(L, "ifindex", pi.ipi6_ifindex);
      /* a link-local destination needs its interface to be usable */
      puship(L, AF_INET6, &pi.ipi6_addr,
             IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr) ? pi.ipi6_ifindex : 0);
      lua_setfield(L, -2, "addr");
      return;
    }
    case C_ERR:
      if (n < sizeof(struct sock_extended_err)) goto raw;
      pusherr(L, p, n);
      return;
    case C_ADDR: {
      struct sockaddr_storage ss;
      if (n < sizeof(struct sockaddr_in) || n > sizeof ss) goto raw;
      memcpy(&ss, p, n);
      lsockI_pushaddr(L, (struct sockaddr *)&ss, (socklen_t)n);
      return;
    }
  }
raw:
  lua_pushlstring(L, (const char *)p, n);
}

/* Push the array of {level, type, data} items of a received message. */
void lsockI_pushcmsgs(lua_State *L, struct msghdr *m) {
  struct cmsghdr *c;
  const unsigned char *end = (const unsigned char *)m->msg_control
                             + m->msg_controllen;
  lua_Integer i = 0;
  lua_newtable(L);
  if (m->msg_controllen == 0) return;
  for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
    const unsigned char *p = CMSG_DATA(c);
    size_t n;
    if (c->cmsg_len < CMSG_LEN(0) || p > end) break;
    n = c->cmsg_len - CMSG_LEN(0);
    if (n > (size_t)(end - p)) n = (size_t)(end - p);  /* truncated */
    lua_createtable(L, 3, 0);
    lua_pushinteger(L, c->cmsg_level);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, c->cmsg_type);
    lua_rawseti(L, -2, 2);
    decode(L, findkind(c->cmsg_level, c->cmsg_type), p, n);
    lua_rawseti(L, -2, 3);
    lua_rawseti(L, -2, ++i);
  }
}
