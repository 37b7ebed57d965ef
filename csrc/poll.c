/*
** Waiting on many descriptors: lsock.select on poll() (no FD_SETSIZE
** limit) and lsock.poller, a reusable readiness set on epoll (poll()
** where epoll is missing, or when asked).  One idea: the poller keeps its
** objects in a registry keyed by descriptor number, and each kernel
** registration carries that number and a generation, so an event from an
** older registration, or for an object closed since, is never reported.
*/
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "lsock.h"

/*** A poller: a reusable set of watched objects (lsock.poller), epoll
where the system has it, poll(2) otherwise.  It takes anything
lsock.select takes (sockets, streams, descriptors, objects with a
`fileno` method); `#p` is the number of registrations.
@type poller
@usage local p = assert(lsock.poller())
assert(p:add(s, "r", "my data"))
for obj, ev, data in assert(p:wait(1)) do print(obj, ev, data) end
*/

#define LSOCK_POLLER  "lsock.poller"

/* Interest and results, as the strings "r", "w", "h" spell them. */
#define EV_R  1
#define EV_W  2
#define EV_H  4

/* select: at most this many entries in all (a bound on the scratch size). */
#define MAX_ENTRIES  (INT_MAX / 64)

enum { B_POLL, B_EPOLL };

/* One per descriptor number; gen == 0: nothing registered. */
typedef struct Slot {
  unsigned gen;
  int pidx;             /* poll backend: index in pfds */
  int oidx;             /* LSOCK_KIND_OBJ: index in objs */
  unsigned asked;       /* the finddirty round that asked it last */
  unsigned char want;   /* EV_R | EV_W */
  unsigned char kind;
} Slot;

/* An event the last wait returned, not yet handed to the iterator. */
typedef struct Ready {
  int fd;
  unsigned gen;
  int ev;
} Ready;

/* epfd == -1: closed (the poll backend keeps -2 while open). */
typedef struct Poller {
  int epfd, backend;
  unsigned gen;              /* the last generation given out */
  Slot *slots;
  int nslots;
  int count;                 /* registered descriptors, stale ones too */
  int *objs;                 /* the fds of objects (KIND_OBJ): may be dirty */
  int nobjs, objcap;
  unsigned round;            /* finddirty's rounds */
  int adds;                  /* registrations since the last sweep */
  int sweepat;               /* sweep when adds reaches this */
  Ready *ready;
  int nready, cursor, readycap;
  void *kevs;                /* epoll backend: struct epoll_event[] */
  int kevcap;
  struct pollfd *pfds;       /* poll backend */
  int npfds, pfdcap;
} Poller;

/* The registry: user values of the poller userdata. */
#define UV_OBJS  1
#define UV_DATA  2

static const char *const evnames[] = {
  "", "r", "w", "rw", "h", "rh", "wh", "rwh"
};


/* Helpers ----------------------------------------------------------------- */

/* Seconds at 'arg' (nil or negative: forever) to a poll() timeout. */
static double checkseconds(lua_State *L, int arg) {
  double t;
  if (lua_isnoneornil(L, arg)) return -1;
  t = luaL_checknumber(L, arg);
  luaL_argcheck(L, t == t, arg, "timeout is NaN");
  return t < 0 || t == HUGE_VAL ? -1 : t;
}

static void *grow(lua_State *L, void *p, int *cap, int need, size_t size) {
  int n = *cap ? *cap : 16;
  void *q;
  while (n < need) {
    if (n > INT_MAX / 2) luaL_error(L, "too many descriptors");
    n *= 2;
  }
  q = realloc(p, (size_t)n * size);
  if (q == NULL) luaL_error(L, "not enough memory");
  *cap = n;
  return q;
}

/* obj -> what its fileno (or getfd) method returns; nothing without one. */
static int callfileno(lua_State *L) {
  if (lua_type(L, 1) == LUA_TTABLE || lua_type(L, 1) == LUA_TUSERDATA) {
    if (lua_getfield(L, 1, "fileno") != LUA_TNIL
        || (lua_pop(L, 1), lua_getfield(L, 1, "getfd")) != LUA_TNIL) {
      lua_pushvalue(L, 1);
      lua_call(L, 1, 1);
      return 1;
    }
  }
  return 0;
}

/* The descriptor an object with a fileno method gives now: -2 when it
** has no such method, -1 when the method raises or gives no descriptor
** (a closed lsock.stream raises): such an object counts as closed. */
static int objfd(lua_State *L, int idx) {
  int isnum, top = lua_gettop(L);
  lua_Integer n;
  idx = lua_absindex(L, idx);
  lua_pushcfunction(L, callfileno);
  lua_pushvalue(L, idx);
  if (lua_pcall(L, 1, LUA_MULTRET, 0) != LUA_OK) {
    lua_settop(L, top);
    return -1;
  }
  if (lua_gettop(L) == top) return -2;
  n = lua_tointegerx(L, -1, &isnum);
  lua_settop(L, top);
  return (!isnum || n < 0 || n > INT_MAX) ? -1 : (int)n;
}

/* Is the object at idx, registered as fd of 'kind', closed since? */
static int isstale(lua_State *L, int idx, int fd, int kind) {
  if (kind == LSOCK_KIND_SOCK) {
    const Sock *s = (const Sock *)lua_touserdata(L, idx);
    return s == NULL || s->fd != fd;
  }
  if (kind == LSOCK_KIND_FILE) {
    luaL_Stream *f = (luaL_Stream *)lua_touserdata(L, idx);
    return f == NULL || f->closef == NULL || fileno(f->f) != fd;
  }
  if (kind == LSOCK_KIND_OBJ) return objfd(L, idx) != fd;
  return 0;
}

/* The events argument: a non-empty string of 'r' and 'w'. */
static int checkevents(lua_State *L, int arg) {
  size_t len, i;
  const char *s = luaL_checklstring(L, arg, &len);
  int ev = 0;
  for (i = 0; i < len; i++) {
    if (s[i] == 'r') ev |= EV_R;
    else if (s[i] == 'w') ev |= EV_W;
    else ev = 0, i = len;
  }
  if (ev == 0)
    luaL_argerror(L, arg, "events must be \"r\", \"w\" or \"rw\"");
  return ev;
}


/* select ----------------------------------------------------------------- */

/* Adds the entries of the table at arg to pfds (from *n on).  A reader
** whose object says dirty() (it holds buffered data, as LuaSocket's do) is
** ready at once: its fd is stored negated, so that poll skips it. */
static void collect(lua_State *L, int arg, lua_Integer len,
                    struct pollfd *pfds, int *n, short events, int *dirty) {
  lua_Integer i;
  for (i = 1; i <= len; i++) {
    int kind, fd;
    lua_geti(L, arg, i);
    fd = lsockI_getfd(L, -1, arg, i, &kind);
    pfds[*n].fd = fd;
    pfds[*n].events = events;
    if (kind == LSOCK_KIND_OBJ && events == POLLIN) {
      if (lua_getfield(L, -1, "dirty") == LUA_TFUNCTION) {
        lua_pushvalue(L, -2);
        lua_call(L, 1, 1);
        if (lua_toboolean(L, -1)) {
          pfds[*n].fd = -1 - fd;
          *dirty = 1;
        }
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    (*n)++;
  }
}

/* The ready entries of the table at arg, in order, into a new table:
** array part, plus entry = true for every entry that is not a number.
** 'len' is the length collect used: Lua code run since (fileno, dirty,
** __len, __index) may have changed the table, and pfds holds no more. */
static void results(lua_State *L, int arg, lua_Integer len,
                    struct pollfd *pfds, int *n, short mask) {
  lua_Integer i, k = 0;
  lua_newtable(L);
  for (i = 1; i <= len; i++, (*n)++) {
    if (!(pfds[*n].revents & mask)) continue;
    if (lua_geti(L, arg, i) == LUA_TNIL) {  /* removed since: skip it */
      lua_pop(L, 1);
      continue;
    }
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pushvalue(L, -1);
      lua_pushboolean(L, 1);
      lua_rawset(L, -4);
    }
    lua_rawseti(L, -2, ++k);
  }
}

/*** Wait until some of the given objects can be read or written.
@function select
@tparam table readers sockets, Lua files, descriptors or objects with fileno
@tparam table writers the same, for writing
@tparam[opt] number timeout seconds (nil: wait as long as it takes)
@treturn table the ready readers, in order; each also a key (r[s] == true)
@treturn table the ready writers
@return[2] nil, msg, errno
@usage local r = lsock.select({srv, io.stdin}, {}, 5); if r[srv] then end
@see poll(2)
*/
/* lsock.select(readers, writers [, timeout]) -> readers, writers */
static int lsock_select(lua_State *L) {
  lua_Integer nr = 0, nw = 0;
  struct pollfd *pfds;
  double timeout = checkseconds(L, 3);
  LsockDeadline dl;
  int n = 0, i, r, dirty = 0;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    nr = luaL_len(L, 1);
  }
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    nw = luaL_len(L, 2);
  }
  /* Each length is checked before they are added: __len can give
  ** anything, and 2^62 + 2^62 would wrap. */
  luaL_argcheck(L, nr >= 0 && nr < MAX_ENTRIES, 1, "too many entries");
  luaL_argcheck(L, nw >= 0 && nw < MAX_ENTRIES - nr, 2, "too many entries");
  lua_settop(L, 3);
  /* A userdata for scratch: freed by the collector if anything raises. */
  pfds = (struct pollfd *)lua_newuserdatauv(L,
           (size_t)(nr + nw + 1) * sizeof *pfds, 0);
  collect(L, 1, nr, pfds, &n, POLLIN, &dirty);
  collect(L, 2, nw, pfds, &n, POLLOUT, &dirty);
  /* Buffered data is ready now: then only look, without waiting. */
  dl = lsockI_deadline(dirty ? 0 : timeout);
  do r = poll(pfds, (nfds_t)n, lsockI_msleft(&dl));
  while (r == -1 && errno == EINTR);
  if (r == -1) return lsockI_fail(L, errno);
  for (i = 0; i < n; i++) {
    if (pfds[i].revents & POLLNVAL) return lsockI_fail(L, EBADF);
    if (pfds[i].fd < 0) pfds[i].revents = POLLIN;
  }
  /* Errors and hang-ups count as ready: the next call reports them. */
  n = 0;
  results(L, 1, nr, pfds, &n, POLLIN | POLLHUP | POLLERR);
  results(L, 2, nw, pfds, &n, POLLOUT | POLLHUP | POLLERR);
  return 2;
}

/*** Seconds of a clock that never jumps, for deadlines.
@function monotime
@treturn number
@usage local deadline = lsock.monotime() + 5
@see clock_gettime(2)
*/
/* lsock.monotime() -> seconds of a clock that never jumps, for the
** deadlines the Lua helpers keep across several calls. */
static int lsock_monotime(lua_State *L) {
  lua_pushnumber(L, lsockI_now());
  return 1;
}

/*** Block the whole process for a while.
@function sleep
@tparam number seconds
@treturn true
@usage lsock.sleep(0.5)
@see nanosleep(2)
*/
/* lsock.sleep(seconds): block the whole process that long. */
static int lsock_sleep(lua_State *L) {
  double t = luaL_checknumber(L, 1);
  LsockDeadline dl = lsockI_deadline(t);
  luaL_argcheck(L, t == t && t >= 0 && t != HUGE_VAL, 1,
                "seconds must be a finite number >= 0");
  while (poll(NULL, 0, lsockI_msleft(&dl)) == -1 && errno == EINTR) {}
  return lsockI_pushtrue(L);
}


/* The poller: kernel side ---------------------------------------------- */

#ifdef LSOCK_HAVE_EPOLL
static int epollctl(Poller *p, int op, int fd, int want, unsigned gen) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = ((want & EV_R) ? EPOLLIN : 0) | ((want & EV_W) ? EPOLLOUT : 0);
  ev.data.u64 = (uint64_t)(unsigned)fd | ((uint64_t)gen << 32);
  return epoll_ctl(p->epfd, op, fd, &ev) == -1 ? errno : 0;
}
#endif

static short pollevents(int want) {
  return (short)(((want & EV_R) ? POLLIN : 0) | ((want & EV_W) ? POLLOUT : 0));
}

/* Tell the kernel (or the pollfd array): op is 'a'dd, 'm'odify or
** 'd'elete.  Returns 0 or an errno. */
static int ctl(lua_State *L, Poller *p, int op, int fd) {
  Slot *sl = &p->slots[fd];
#ifdef LSOCK_HAVE_EPOLL
  if (p->backend == B_EPOLL)
    return epollctl(p, op == 'a' ? EPOLL_CTL_ADD : op == 'm' ? EPOLL_CTL_MOD
                    : EPOLL_CTL_DEL, fd, sl->want, sl->gen);
#endif
  if (op == 'a') {
    if (p->npfds == p->pfdcap)
      p->pfds = (struct pollfd *)grow(L, p->pfds, &p->pfdcap, p->npfds + 1,
                                      sizeof *p->pfds);
    sl->pidx = p->npfds++;
    p->pfds[sl->pidx].fd = fd;
    p->pfds[sl->pidx].revents = 0;
  }
  else if (op == 'd') {
    /* The last entry fills the hole, so the array stays dense. */
    struct pollfd *last = &p->pfds[--p->npfds];
    p->pfds[sl->pidx] = *last;
    p->slots[last->fd].pidx = sl->pidx;
    return 0;
  }
  p->pfds[sl->pidx].events = pollevents(sl->want);
  return 0;
}

/* Waits and fills p->ready.  Returns 0 or an errno. */
static int kwait(lua_State *L, Poller *p, LsockDeadline *dl) {
  int n, i, err = 0;
  p->nready = p->cursor = 0;
#ifdef LSOCK_HAVE_EPOLL
  if (p->backend == B_EPOLL) {
    /* One buffer of kernel events and one of results, sized by the
    ** registrations (more events are simply left for the next wait). */
    int want = p->count < 16 ? 16 : p->count > 4096 ? 4096 : p->count;
    struct epoll_event *evs;
    if (p->kevcap < want)
      p->kevs = grow(L, p->kevs, &p->kevcap, want, sizeof *evs);
    if (p->readycap < p->kevcap)
      p->ready = (Ready *)grow(L, p->ready, &p->readycap, p->kevcap,
                               sizeof *p->ready);
    evs = (struct epoll_event *)p->kevs;
    do n = epoll_wait(p->epfd, evs, p->kevcap, lsockI_msleft(dl));
    while (n == -1 && (err = errno) == EINTR);
    if (n == -1) return err;
    for (i = 0; i < n; i++) {
      Ready *r = &p->ready[i];
      uint32_t e = evs[i].events;
      r->fd = (int)(evs[i].data.u64 & 0xffffffffu);
      r->gen = (unsigned)(evs[i].data.u64 >> 32);
      r->ev = ((e & EPOLLIN) ? EV_R : 0) | ((e & EPOLLOUT) ? EV_W : 0)
              | ((e & (EPOLLHUP | EPOLLERR)) ? EV_H : 0);
    }
    p->nready = n;
    return 0;
  }
#endif
  do n = poll(p->pfds, (nfds_t)p->npfds, lsockI_msleft(dl));
  while (n == -1 && (err = errno) == EINTR);
  if (n == -1) return err;
  if (p->readycap < n)
    p->ready = (Ready *)grow(L, p->ready, &p->readycap, n, sizeof *p->ready);
  for (i = 0; i < p->npfds && p->nready < n; i++) {
    struct pollfd *pf = &p->pfds[i];
    Ready *r;
    if (pf->revents == 0) continue;
    r = &p->ready[p->nready++];
    r->fd = pf->fd;
    r->gen = p->slots[pf->fd].gen;
    r->ev = ((pf->revents & POLLIN) ? EV_R : 0)
            | ((pf->revents & POLLOUT) ? EV_W : 0)
            | ((pf->revents & (POLLHUP | POLLERR | POLLNVAL)) ? EV_H : 0);
  }
  return 0;
}


/* The poller: registry --------------------------------------------------- */

static Poller *checkpoller(lua_State *L) {
  Poller *p = (Poller *)luaL_checkudata(L, 1, LSOCK_POLLER);
  if (p->epfd == -1) luaL_argerror(L, 1, "attempt to use a closed poller");
  return p;
}

/* The list of object slots, so that a wait asks only them for dirty():
** add appends (its room made before the kernel registration, since grow
** may raise), drop moves the last one into the hole. */
static void addobj(Poller *p, int fd) {
  p->slots[fd].oidx = p->nobjs;
  p->objs[p->nobjs++] = fd;
}

static void dropobj(Poller *p, int fd) {
  int i = p->slots[fd].oidx, last = p->objs[--p->nobjs];
  p->objs[i] = last;
  p->slots[last].oidx = i;
}

/* Forget fd in the registry (the kernel side is the caller's). */
static void drop(lua_State *L, Poller *p, int fd) {
  p->slots[fd].gen = 0;
  p->count--;
  if (p->slots[fd].kind == LSOCK_KIND_OBJ) dropobj(p, fd);
  lua_getiuservalue(L, 1, UV_OBJS);
  lua_pushnil(L);
  lua_rawseti(L, -2, fd);
  lua_getiuservalue(L, 1, UV_DATA);
  lua_pushnil(L);
  lua_rawseti(L, -2, fd);
  lua_pop(L, 2);
}

/* Unregister fd whose object was closed.  With epoll the kernel dropped
** it when the file closed; if the descriptor number is in use again, DEL
** fails harmlessly, since that file was never registered here. */
static void dropstale(lua_State *L, Poller *p, int fd) {
  int saved = errno;
  ctl(L, p, 'd', fd);
  errno = saved;
  drop(L, p, fd);
}

/* Is fd registered to an object that is still open?  Drops it if not. */
static int islive(lua_State *L, Poller *p, int fd) {
  int stale;
  if (fd >= p->nslots || p->slots[fd].gen == 0) return 0;
  lua_getiuservalue(L, 1, UV_OBJS);
  lua_rawgeti(L, -1, fd);
  stale = isstale(L, -1, fd, p->slots[fd].kind);
  lua_pop(L, 2);
  if (stale) dropstale(L, p, fd);
  return !stale;
}

/* Drops every registration whose object was closed.  add() calls it once
** the registrations since the last sweep are as many as the sweep left
** (and at least 64), so its cost per add stays constant. */
static void sweep(lua_State *L, Poller *p) {
  int fd;
  p->adds = 0;
  for (fd = 0; fd < p->nslots; fd++)
    if (p->slots[fd].gen != 0) islive(L, p, fd);
  p->sweepat = p->count > 64 ? p->count : 64;
}

/* Is the object at idx a closed socket or file?  For the poller those
** are not registered any more, rather than a misuse. */
static int isclosed(lua_State *L, int idx) {
  const Sock *s = lsockI_testsock(L, idx);
  const luaL_Stream *f;
  if (s) return s->fd < 0;
  f = (const luaL_Stream *)luaL_testudata(L, idx, LUA_FILEHANDLE);
  if (f) return f->closef == NULL;
  return objfd(L, idx) == -1;
}

/* add/modify: the object at 2, events at 3, data at 4. */
static int doadd(lua_State *L, int modify) {
  Poller *p = checkpoller(L);
  int kind, fd, err, want, hasdata = !lua_isnone(L, 4);
  Slot *sl;
  lua_settop(L, 4);  /* absent data: nil at 4 */
  if (modify && isclosed(L, 2)) {
    checkevents(L, 3);
    return lsockI_fail(L, ENOENT);
  }
  fd = lsockI_getfd(L, 2, 2, 0, &kind);
  want = checkevents(L, 3);
  /* The slot array grows to the largest descriptor: ask first whether it
  ** is open at all, so that a stray huge number cannot make it grow. */
  if (fcntl(fd, F_GETFD) == -1) return lsockI_fail(L, errno);
  if (fd >= p->nslots) {
    int old = p->nslots;
    p->slots = (Slot *)grow(L, p->slots, &p->nslots, fd + 1, sizeof *sl);
    memset(p->slots + old, 0, (size_t)(p->nslots - old) * sizeof *sl);
  }
  sl = &p->slots[fd];
  if (!modify) {
    if (islive(L, p, fd)) return lsockI_fail(L, EEXIST);
    if (++p->adds >= p->sweepat) sweep(L, p);
    if (kind == LSOCK_KIND_OBJ && p->nobjs == p->objcap)
      p->objs = (int *)grow(L, p->objs, &p->objcap, p->nobjs + 1,
                            sizeof *p->objs);
    sl->want = (unsigned char)want;
    sl->kind = (unsigned char)kind;
    sl->gen = ++p->gen ? p->gen : ++p->gen;  /* never 0 */
    if ((err = ctl(L, p, 'a', fd)) != 0) {
      sl->gen = 0;
      return lsockI_fail(L, err);
    }
    if (kind == LSOCK_KIND_OBJ) addobj(p, fd);
    p->count++;
    lua_getiuservalue(L, 1, UV_OBJS);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, fd);
  }
  else {
    unsigned char old = sl->want;
    if (!islive(L, p, fd)) return lsockI_fail(L, ENOENT);
    sl->want = (unsigned char)want;
    if (want != old && (err = ctl(L, p, 'm', fd)) != 0) {
      sl->want = old;
      return lsockI_fail(L, err);
    }
    if (!hasdata) return lsockI_pushtrue(L);  /* keeps the old data */
  }
  lua_getiuservalue(L, 1, UV_DATA);
  lua_pushvalue(L, 4);
  lua_rawseti(L, -2, fd);
  return lsockI_pushtrue(L);
}


/* The poller: methods ---------------------------------------------------- */

/*** Watch an object.
@function poller:add
@param obj a socket, a Lua file, a descriptor or an object with fileno
@tparam string events "r", "w" or "rw"
@param[opt] data given back by wait with the object
@treturn true
@return[2] nil, msg, errno (EEXIST when already added)
@usage p:add(srv, "r", "listener")
@see epoll_ctl(2)
*/
/* p:add(obj, events [, data]) */
static int meth_add(lua_State *L) {
  return doadd(L, 0);
}

/*** Change what is watched for an object; without data the old data stays.
@function poller:modify
@param obj
@tparam string events "r", "w" or "rw"
@param[opt] data
@treturn true
@return[2] nil, msg, errno (ENOENT when not added, or closed)
@usage p:modify(conn, "rw")
@see epoll_ctl(2)
*/
/* p:modify(obj, events [, data]): without data the old data stays; a
** closed object is not registered any more: nil, msg, ENOENT. */
static int meth_modify(lua_State *L) {
  return doadd(L, 1);
}

/*** Stop watching an object (a closed one is already gone).
@function poller:remove
@param obj
@treturn true
@return[2] nil, msg, errno
@usage p:remove(conn); conn:close()
@see epoll_ctl(2)
*/
/* p:remove(obj): a closed socket or file is already gone: true. */
static int meth_remove(lua_State *L) {
  Poller *p = checkpoller(L);
  int kind, fd, err;
  if (isclosed(L, 2)) {
    sweep(L, p);
    return lsockI_pushtrue(L);
  }
  fd = lsockI_getfd(L, 2, 2, 0, &kind);
  if (!islive(L, p, fd)) return lsockI_fail(L, ENOENT);
  err = ctl(L, p, 'd', fd);
  drop(L, p, fd);
  return err ? lsockI_fail(L, err) : lsockI_pushtrue(L);
}

/* The iterator of p:wait: (p, _) -> obj, events, data, skipping events of
** registrations removed, replaced or closed since the wait. */
static int pollerstep(lua_State *L) {
  Poller *p = (Poller *)luaL_checkudata(L, 1, LSOCK_POLLER);
  while (p->epfd != -1 && p->cursor < p->nready) {
    Ready r = p->ready[p->cursor++];
    const Slot *sl;
    int ev;
    if (r.fd >= p->nslots) continue;
    sl = &p->slots[r.fd];
    ev = r.ev & (sl->want | EV_H);
    if (sl->gen != r.gen || ev == 0) continue;
    lua_settop(L, 1);
    lua_getiuservalue(L, 1, UV_OBJS);
    lua_rawgeti(L, 2, r.fd);
    if (isstale(L, 3, r.fd, sl->kind)) {
      dropstale(L, p, r.fd);
      continue;
    }
    lua_pushstring(L, evnames[ev]);
    lua_getiuservalue(L, 1, UV_DATA);
    lua_rawgeti(L, 5, r.fd);
    lua_remove(L, 5);
    return 3;
  }
  return 0;
}

/*** Wait for events; iterate over the ready objects.
@function poller:wait
@tparam[opt] number timeout seconds (nil: as long as it takes)
@treturn function an iterator of obj, events ("r", "w", "h" letters), data
@return[2] nil, msg, errno
@usage for obj, ev, data in p:wait(1.5) do print(obj, ev) end
@see epoll_wait(2)
*/
/* Objects watched for reading whose dirty() says true (they hold
** buffered data, as LuaSocket's and lsock streams do) are ready at once.
** finddirty asks only the objects (p->objs, not every slot) and pushes a
** table of their fd, gen pairs and returns how many.  dirty() is Lua code
** that may add or remove registrations: the list is walked downwards, so
** that a removal (the last entry fills the hole) never skips an entry
** not yet asked; an entry moved up that was asked already is known by
** its round.  adddirty checks the generation. */
static int finddirty(lua_State *L, Poller *p) {
  int i, n = 0;
  lua_newtable(L);  /* at 3 */
  if (++p->round == 0) p->round = 1;
  for (i = p->nobjs - 1; i >= 0; i--) {
    int fd;
    unsigned gen;
    if (i >= p->nobjs) continue;  /* removed by an earlier dirty() */
    fd = p->objs[i];
    gen = p->slots[fd].gen;
    if (p->slots[fd].asked == p->round || !(p->slots[fd].want & EV_R))
      continue;
    p->slots[fd].asked = p->round;
    lua_getiuservalue(L, 1, UV_OBJS);
    lua_rawgeti(L, -1, fd);
    if (lua_getfield(L, -1, "dirty") == LUA_TFUNCTION) {
      lua_pushvalue(L, -2);
      lua_call(L, 1, 1);
      if (lua_toboolean(L, -1)) {
        lua_pushinteger(L, fd);
        lua_rawseti(L, 3, ++n);
        lua_pushinteger(L, (lua_Integer)gen);
        lua_rawseti(L, 3, ++n);
      }
    }
    lua_settop(L, 3);
  }
  if (p->epfd == -1) luaL_error(L, "attempt to use a closed poller");
  return n / 2;
}

/* Merge the dirty objects found by finddirty (table at 3) into p->ready:
** EV_R on the event of the same registration, or a new event. */
static void adddirty(lua_State *L, Poller *p, int ndirty) {
  int j, k, n = p->nready;
  if (p->readycap < n + ndirty)
    p->ready = (Ready *)grow(L, p->ready, &p->readycap, n + ndirty,
                             sizeof *p->ready);
  for (j = 1; j <= ndirty; j++) {
    int fd;
    unsigned gen;
    lua_rawgeti(L, 3, 2 * j - 1);
    lua_rawgeti(L, 3, 2 * j);
    fd = (int)lua_tointeger(L, -2);
    gen = (unsigned)lua_tointeger(L, -1);
    lua_pop(L, 2);
    for (k = 0; k < n; k++)
      if (p->ready[k].fd == fd && p->ready[k].gen == gen) break;
    if (k == n) {
      p->ready[p->nready].fd = fd;
      p->ready[p->nready].gen = gen;
      p->ready[p->nready++].ev = EV_R;
    } else p->ready[k].ev |= EV_R;
  }
}

/* p:wait([timeout]) -> iterator over obj, events, data */
static int meth_wait(lua_State *L) {
  Poller *p = checkpoller(L);
  double t = checkseconds(L, 2);
  LsockDeadline dl;
  int err, ndirty = 0;
  lua_settop(L, 2);
  if (p->nobjs > 0) ndirty = finddirty(L, p);
  dl = lsockI_deadline(ndirty ? 0 : t);
  err = kwait(L, p, &dl);
  if (err) return lsockI_fail(L, err);
  if (ndirty) adddirty(L, p, ndirty);
  lua_pushcfunction(L, pollerstep);
  lua_pushvalue(L, 1);
  return 2;
}

/* The loop's dispatcher: lsock.loop's round in C ------------------------ */

/* The table the loop passes (its integer slots, see lua/lsock/loop.lua). */
enum {
  D_WAIT = 1,     /* the value a task yields when it waits for the loop */
  D_RECS,         /* obj -> its record {reader, writer, obj=, want=} */
  D_AFTER,        /* after(co, ok, tag): a resume that did not end in a wait */
  D_TRIM,         /* trim(obj, rec): the poller asked for what is needed */
  D_CURRENT,      /* the task running now (set here around each resume) */
  D_WANT = 8,     /* the record's key "want" */
  D_RESUME        /* resume(co, v): the loop's own, for anything unusual */
};

/* The stack of dispatch: 1 poller, 2 the loop's table, then these. */
enum { X_OBJS = 3, X_DATA, X_WAIT, X_RECS, X_WANT, X_OBJ, X_REC, X_CO };

/* The record's slots of the reader and the writer. */
enum { REC_R = 1, REC_W = 2 };

/* No task runs (D_CURRENT nil). */
static void nocurrent(lua_State *L) {
  lua_pushnil(L);
  lua_rawseti(L, 2, D_CURRENT);
}

/* Wake the reader (slot REC_R) or the writer (REC_W) of the record at
** X_REC, if there is one: it is taken off the record and resumed with
** the object, as the loop's round did. */
static void wake(lua_State *L, int slot) {
  lua_State *co;
  int st, nres;
  if (lua_rawgeti(L, X_REC, slot) == LUA_TNIL || !lua_toboolean(L, X_CO)) {
    lua_settop(L, X_REC);
    return;
  }
  lua_pushnil(L);
  lua_rawseti(L, X_REC, slot);
  co = lua_tothread(L, X_CO);
  if (co == NULL || co == L || lua_status(co) != LUA_YIELD) {
    nocurrent(L);
    lua_rawgeti(L, 2, D_RESUME);  /* the Lua path says what is wrong */
    lua_pushvalue(L, X_CO);
    lua_pushvalue(L, X_OBJ);
    lua_call(L, 2, 0);
    lua_settop(L, X_REC);
    return;
  }
  lua_pushvalue(L, X_CO);
  lua_rawseti(L, 2, D_CURRENT);
  lua_pushvalue(L, X_OBJ);
  lua_xmove(L, co, 1);
  st = lua_resume(co, L, 1, &nres);
  /* The task waits again (yielded the loop's WAIT table): the case of a
  ** busy connection, told by the pointer, without moving the value.
  ** D_CURRENT stays until the next resume or the end of dispatch (only
  ** the loop's C runs in between); any Lua called from here clears it
  ** first. */
  if (st == LUA_YIELD && nres == 1 && lua_type(co, -1) == LUA_TTABLE
      && lua_topointer(co, -1) == lua_topointer(L, X_WAIT)) {
    lua_pop(co, 1);
    lua_settop(L, X_REC);
    return;
  }
  nocurrent(L);
  if (st == LUA_YIELD || st == LUA_OK) {
    if (!lua_checkstack(L, nres + 4)) luaL_error(L, "stack overflow");
    lua_xmove(co, L, nres);         /* at X_CO + 1 ... */
    if (st == LUA_YIELD && nres >= 1 && lua_rawequal(L, X_CO + 1, X_WAIT)) {
      lua_settop(L, X_REC);
      return;
    }
    lua_settop(L, X_CO + 1);        /* the first result (or nil) */
    lua_rawgeti(L, 2, D_AFTER);
    lua_pushvalue(L, X_CO);
    lua_pushboolean(L, 1);
  } else {
    lua_xmove(co, L, 1);            /* the error, at X_CO + 1 */
    lua_rawgeti(L, 2, D_AFTER);
    lua_pushvalue(L, X_CO);
    lua_pushboolean(L, 0);
  }
  lua_pushvalue(L, X_CO + 1);
  lua_call(L, 3, 0);
  lua_settop(L, X_REC);
}

/* Is the record's slot (REC_R, REC_W) taken? */
static int has(lua_State *L, int slot) {
  int set;
  lua_rawgeti(L, X_REC, slot);
  set = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return set;
}

/* lsock.core._dispatch(p, timeout, t): one wait of the loop's poller and
** the tasks it wakes, without a Lua iteration per event: for each event
** (filtered as p:wait's iterator does) whose datum is a record of the
** loop, its reader and its writer are resumed, and the poller is asked
** to stop watching what nobody waits for any more.  Returns the number
** of events, or nil, msg, errno. */
static int lsock_dispatch(lua_State *L) {
  /* The poller's metatable is upvalue 1: a pointer compare, once a round,
  ** instead of luaL_checkudata's registry look-up. */
  Poller *p = (Poller *)lua_touserdata(L, 1);
  double t;
  if (p == NULL || !lua_getmetatable(L, 1)
      || lua_topointer(L, -1) != lua_topointer(L, lua_upvalueindex(1)))
    luaL_typeerror(L, 1, LSOCK_POLLER);
  lua_pop(L, 1);
  if (p->epfd == -1) luaL_argerror(L, 1, "attempt to use a closed poller");
  t = checkseconds(L, 2);
  LsockDeadline dl;
  int err, ndirty = 0, n = 0;
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  lua_replace(L, 2);                /* the table at 2: finddirty uses 3 */
  if (p->nobjs > 0) ndirty = finddirty(L, p);
  dl = lsockI_deadline(ndirty ? 0 : t);
  err = kwait(L, p, &dl);
  if (err) return lsockI_fail(L, err);
  if (ndirty) adddirty(L, p, ndirty);
  lua_settop(L, 2);
  luaL_checkstack(L, 24, NULL);
  lua_getiuservalue(L, 1, UV_OBJS);
  lua_getiuservalue(L, 1, UV_DATA);
  lua_rawgeti(L, 2, D_WAIT);
  lua_rawgeti(L, 2, D_RECS);
  lua_rawgeti(L, 2, D_WANT);
  while (p->epfd != -1 && p->cursor < p->nready) {
    Ready r = p->ready[p->cursor++];
    const Slot *sl;
    int ev, need;
    if (r.fd >= p->nslots) continue;
    sl = &p->slots[r.fd];
    ev = r.ev & (sl->want | EV_H);
    if (sl->gen != r.gen || ev == 0) continue;
    /* (The registry's tables stay until close, which ends the loop.) */
    lua_rawgeti(L, X_OBJS, r.fd);   /* X_OBJ */
    if (isstale(L, X_OBJ, r.fd, sl->kind)) {
      dropstale(L, p, r.fd);
      lua_settop(L, X_WANT);
      continue;
    }
    n++;
    if (lua_rawgeti(L, X_DATA, r.fd) != LUA_TTABLE) {  /* X_REC */
      lua_settop(L, X_WANT);
      continue;
    }
    if (ev & (EV_R | EV_H)) wake(L, REC_R);
    if (ev & (EV_W | EV_H)) wake(L, REC_W);
    /* Nobody waits for what was reported: stop asking, or epoll (level
    ** triggered) would report it again at once.  (A busy connection's
    ** task waits again before it yields: need is what the poller has.)
    ** The slot's interest is the record's want; a registration replaced
    ** (or a poller closed) by the tasks just resumed is not this record's
    ** any more. */
    if (p->epfd == -1 || r.fd >= p->nslots) break;
    sl = &p->slots[r.fd];          /* again: the array may have grown */
    if (sl->gen != r.gen) {
      lua_settop(L, X_WANT);
      continue;
    }
    need = (has(L, REC_R) ? EV_R : 0) | (has(L, REC_W) ? EV_W : 0);
    if (need != sl->want) {
      lua_pushvalue(L, X_OBJ);
      lua_rawget(L, X_RECS);
      if (lua_rawequal(L, -1, X_REC)) {  /* the object's record still */
        nocurrent(L);
        lua_rawgeti(L, 2, D_TRIM);
        lua_pushvalue(L, X_OBJ);
        lua_pushvalue(L, X_REC);
        lua_call(L, 2, 0);
      }
    }
    lua_settop(L, X_WANT);
  }
  nocurrent(L);
  lua_pushinteger(L, n);
  return 1;
}

/*** The system call behind the poller.
@function poller:backend
@treturn string "epoll" or "poll"
@usage print(p:backend())
*/
static int meth_backend(lua_State *L) {
  Poller *p = checkpoller(L);
  lua_pushstring(L, p->backend == B_EPOLL ? "epoll" : "poll");
  return 1;
}

/* #p: the registrations whose objects are still open. */
static int meth_len(lua_State *L) {
  Poller *p = checkpoller(L);
  sweep(L, p);
  lua_pushinteger(L, p->count);
  return 1;
}

static int release(lua_State *L) {
  Poller *p = (Poller *)luaL_checkudata(L, 1, LSOCK_POLLER);
  int fd = p->epfd;
  p->epfd = -1;
  if (fd >= 0) close(fd);  /* Linux: gone even after EINTR */
  free(p->slots);
  free(p->ready);
  free(p->kevs);
  free(p->pfds);
  free(p->objs);
  p->objs = NULL;
  p->objcap = 0;
  p->slots = NULL;
  p->ready = NULL;
  p->kevs = NULL;
  p->pfds = NULL;
  p->nslots = p->readycap = p->kevcap = p->pfdcap = 0;
  p->count = p->nobjs = p->nready = p->cursor = p->npfds = 0;
  /* Let go of every registered object and datum. */
  lua_newtable(L);
  lua_setiuservalue(L, 1, UV_OBJS);
  lua_newtable(L);
  lua_setiuservalue(L, 1, UV_DATA);
  return 0;
}

/*** Release the poller; closing twice is harmless.
@function poller:close
@treturn true
@usage p:close()
@see close(2)
*/
/* p:close(): true; closing twice is harmless. */
static int meth_close(lua_State *L) {
  release(L);
  return lsockI_pushtrue(L);
}

static int meth_tostring(lua_State *L) {
  Poller *p = (Poller *)luaL_checkudata(L, 1, LSOCK_POLLER);
  if (p->epfd == -1) lua_pushliteral(L, "lsock.poller(closed)");
  else lua_pushfstring(L, "lsock.poller(%s, %d registered)",
                       p->backend == B_EPOLL ? "epoll" : "poll", p->count);
  return 1;
}

/*** A reusable readiness object (epoll on Linux).
@function poller
@tparam[opt] string backend "epoll" or "poll"
@treturn poller with add, modify, remove, wait, close; #p registrations
@return[2] nil, msg, errno
@usage local p = assert(lsock.poller())
@see epoll(7)
*/
/* lsock.poller(["epoll" | "poll"]) */
static int lsock_poller(lua_State *L) {
  static const char *const names[] = {"poll", "epoll", NULL};
#ifdef LSOCK_HAVE_EPOLL
  int backend = luaL_checkoption(L, 1, "epoll", names);
#else
  int backend = luaL_checkoption(L, 1, "poll", names);
#endif
  Poller *p = (Poller *)lua_newuserdatauv(L, sizeof *p, 2);
  memset(p, 0, sizeof *p);
  p->epfd = -1;
  p->sweepat = 64;
  p->backend = backend;
  luaL_setmetatable(L, LSOCK_POLLER);
  lua_newtable(L);
  lua_setiuservalue(L, -2, UV_OBJS);
  lua_newtable(L);
  lua_setiuservalue(L, -2, UV_DATA);
#ifdef LSOCK_HAVE_EPOLL
  if (backend == B_EPOLL) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd == -1) return lsockI_fail(L, errno);
    p->epfd = fd;
    return 1;
  }
#else
  if (backend == B_EPOLL) return lsockI_fail(L, ENOSYS);
#endif
  p->epfd = -2;  /* open, with no kernel object */
  return 1;
}


/* Registration ---------------------------------------------------------- */

static const luaL_Reg methods[] = {
  {"add", meth_add},
  {"modify", meth_modify},
  {"remove", meth_remove},
  {"wait", meth_wait},
  {"backend", meth_backend},
  {"close", meth_close},
  {NULL, NULL}
};

static const luaL_Reg metamethods[] = {
  {"__gc", release},
  {"__close", release},
  {"__len", meth_len},
  {"__tostring", meth_tostring},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"select", lsock_select},
  {"poller", lsock_poller},
  {"sleep", lsock_sleep},
  {"monotime", lsock_monotime},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_poll(lua_State *L) {
  luaL_newmetatable(L, LSOCK_POLLER);
  luaL_setfuncs(L, metamethods, 0);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");  /* mt.__index = methods */
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
  luaL_getmetatable(L, LSOCK_POLLER);
  lua_pushcclosure(L, lsock_dispatch, 1);
  lua_setfield(L, -2, "_dispatch");
}
