/*
** Signal-driven I/O without Lua signal handlers: s:setasync(on) asks for
** SIGIO (and makes this process the owner, which SIGURG needs too), and
** lsock.signalfd(names) turns signals into a readable descriptor that
** select, the poller and the loop wait on like a socket.  One idea: the
** signals are blocked while a signalfd for them is open, and only then.
*/
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "lsock.h"

/*** A signalfd: signals read from a descriptor (lsock.signalfd), so
that select, pollers and the loop can wait for them like for a socket.
@type signalfd
@usage local sfd = assert(lsock.signalfd{"SIGUSR1"})
local name, info = sfd:read(5)
*/

#define LSOCK_SIGNALFD  "lsock.signalfd"

#define NSIGS LSOCK_NSIGS

typedef struct SigFd {
  int fd;        /* -1: closed */
  sigset_t mask;
} SigFd;

typedef struct Name { const char *name; int sig; } Name;

static const Name signames[] = {
  {"SIGHUP", SIGHUP}, {"SIGINT", SIGINT}, {"SIGQUIT", SIGQUIT},
  {"SIGILL", SIGILL}, {"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT},
  {"SIGBUS", SIGBUS}, {"SIGFPE", SIGFPE}, {"SIGKILL", SIGKILL},
  {"SIGUSR1", SIGUSR1}, {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2},
  {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM}, {"SIGTERM", SIGTERM},
  {"SIGCHLD", SIGCHLD}, {"SIGCONT", SIGCONT}, {"SIGSTOP", SIGSTOP},
  {"SIGTSTP", SIGTSTP}, {"SIGTTIN", SIGTTIN}, {"SIGTTOU", SIGTTOU},
  {"SIGURG", SIGURG}, {"SIGXCPU", SIGXCPU}, {"SIGXFSZ", SIGXFSZ},
  {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF}, {"SIGWINCH", SIGWINCH},
  {"SIGIO", SIGIO}, {"SIGSYS", SIGSYS},
#ifdef SIGPWR
  {"SIGPWR", SIGPWR},
#endif
  {NULL, 0}
};

/* How many open signalfds hold each signal, and whether it was blocked
** before the first of them: the last one to close restores that.  This
** is per process, as the signal mask is. */
static struct { int count, wasblocked; } held[NSIGS];


/* Helpers ------------------------------------------------------------- */

/* A signal: a number, or a name with or without "SIG", any case. */
static int tosig(lua_State *L, int idx, int arg, const char *s, size_t len) {
  const Name *n;
  char up[16];
  size_t i;
  if (s == NULL) {
    lua_Integer v = lua_tointeger(L, idx);
    luaL_argcheck(L, v > 0 && v < NSIGS, arg, "invalid signal number");
    return (int)v;
  }
  if (len >= 3 && (s[0] == 's' || s[0] == 'S') && (s[1] == 'i' || s[1] == 'I')
      && (s[2] == 'g' || s[2] == 'G')) {
    s += 3;
    len -= 3;
  }
  if (len > 0 && len < sizeof up - 3) {
    memcpy(up, "SIG", 3);
    for (i = 0; i < len; i++)
      up[3 + i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    up[3 + len] = '\0';
    for (n = signames; n->name; n++)
      if (strcmp(n->name, up) == 0) return n->sig;
  }
  lua_pushlstring(L, s, len);
  return luaL_argerror(L, arg, lua_pushfstring(L, "unknown signal '%s'",
                                               lua_tostring(L, -1)));
}

/* Add the signals of a string ("SIGIO SIGURG", "io,urg"). */
static void addnames(lua_State *L, int idx, int arg, sigset_t *set) {
  const char *s = lua_tostring(L, idx);
  for (;;) {
    size_t len;
    s += strspn(s, " ,|");
    if (*s == '\0') break;
    len = strcspn(s, " ,|");
    sigaddset(set, tosig(L, idx, arg, s, len));
    s += len;
  }
}

/* The set named by arg: a name string, a number, or an array of them. */
static void checksigset(lua_State *L, int arg, sigset_t *set) {
  sigemptyset(set);
  if (lua_type(L, arg) == LUA_TSTRING) addnames(L, arg, arg, set);
  else if (lua_type(L, arg) == LUA_TNUMBER)
    sigaddset(set, tosig(L, arg, arg, NULL, 0));
  else {
    lua_Integer i, n;
    luaL_argexpected(L, lua_istable(L, arg), arg,
                     "signal name, number or array");
    n = (lua_Integer)lua_rawlen(L, arg);
    for (i = 1; i <= n; i++) {
      int t = lua_rawgeti(L, arg, i);
      if (t == LUA_TSTRING) addnames(L, -1, arg, set);
      else if (t == LUA_TNUMBER) sigaddset(set, tosig(L, -1, arg, NULL, 0));
      else luaL_argerror(L, arg, "array of signal names expected");
      lua_pop(L, 1);
    }
  }
}

static void pushsigname(lua_State *L, int sig) {
  const Name *n;
  for (n = signames; n->name; n++)
    if (n->sig == sig) {
      lua_pushstring(L, n->name);
      return;
    }
  if (sig >= SIGRTMIN && sig <= SIGRTMAX)
    lua_pushfstring(L, "SIGRTMIN+%d", sig - SIGRTMIN);
  else lua_pushfstring(L, "SIG%d", sig);
}

/* Take the signals of 'set' into the held counts, blocking them. */
static void hold(const sigset_t *set) {
  sigset_t old;
  int sig;
  sigprocmask(SIG_BLOCK, set, &old);
  for (sig = 1; sig < NSIGS; sig++)
    if (sigismember(set, sig) == 1 && held[sig].count++ == 0)
      held[sig].wasblocked = sigismember(&old, sig) == 1;
}

/* Release them: a signal no signalfd holds any more is unblocked (if it
** was not blocked before).  One still pending would then strike with
** its default action (SIGIO's ends the process), so it is discarded. */
static void release(const sigset_t *set) {
  sigset_t drop;
  struct timespec zero = {0, 0};
  int sig, any = 0, i;
  sigemptyset(&drop);
  for (sig = 1; sig < NSIGS; sig++)
    if (sigismember(set, sig) == 1 && held[sig].count > 0
        && --held[sig].count == 0 && !held[sig].wasblocked) {
      sigaddset(&drop, sig);
      any = 1;
    }
  if (!any) return;
  for (i = 0; i < 64 && sigtimedwait(&drop, NULL, &zero) > 0; i++) {}
  sigprocmask(SIG_UNBLOCK, &drop, NULL);
}

static SigFd *checksigfd(lua_State *L) {
  SigFd *p = (SigFd *)luaL_checkudata(L, 1, LSOCK_SIGNALFD);
  if (p->fd < 0) luaL_argerror(L, 1, "attempt to use a closed signalfd");
  return p;
}

static int closesigfd(SigFd *p) {
  int fd = p->fd;
  if (fd < 0) return 0;
  p->fd = -1;
  release(&p->mask);
  return close(fd) == -1 && errno != EINTR ? errno : 0;
}

static void setint(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}


/* Module functions ------------------------------------------------------ */

/*** Turn signals into a readable descriptor (the signals are blocked while it
  is open).
@function signalfd
@tparam string|int|table signals "SIGIO", "io", 23 or an array of them
@treturn signalfd with read, fileno and close
@return[2] nil, msg, errno
@usage local sfd = lsock.signalfd{"SIGIO", "SIGURG"}
@see signalfd(2)
*/
/* lsock.signalfd(names) -> object with read, fileno and close */
static int lsock_signalfd(lua_State *L) {
  SigFd *p;
  sigset_t set;
  int fd;
  checksigset(L, 1, &set);
  p = (SigFd *)lua_newuserdatauv(L, sizeof *p, 0);
  p->fd = -1;
  p->mask = set;
  luaL_setmetatable(L, LSOCK_SIGNALFD);
  fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd == -1) return lsockI_fail(L, errno);
  hold(&set);
  p->fd = fd;
  return 1;
}

/*** Set a signal's disposition to ignored or default (no Lua handlers:
  this is for SIGPIPE-style process settings, as LuaSocket's load does).
@function signal
@tparam string|int sig "SIGPIPE", "pipe" or a number
@tparam[opt] string action "ignore" or "default"; omitted, only reads
@treturn string the previous disposition: "default", "ignore" or
  "handler" (one installed by C code)
@return[2] nil, msg, errno
@usage local old = lsock.signal("SIGPIPE", "ignore")
@see sigaction(2)
*/
/* lsock.signal(sig [, "ignore" | "default"]) -> previous disposition */
static int lsock_signal(lua_State *L) {
  static const char *const actions[] = {"ignore", "default", NULL};
  struct sigaction sa, old;
  size_t len = 0;
  const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len)
                                                 : NULL;
  int sig, r;
  if (s == NULL) luaL_checkinteger(L, 1);
  sig = tosig(L, 1, 1, s, len);
  if (lua_isnoneornil(L, 2)) r = sigaction(sig, NULL, &old);
  else {
    int a = luaL_checkoption(L, 2, NULL, actions);
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = a == 0 ? SIG_IGN : SIG_DFL;
    r = sigaction(sig, &sa, &old);
  }
  if (r == -1) return lsockI_fail(L, errno);
  if (old.sa_handler == SIG_IGN) lua_pushliteral(L, "ignore");
  else if (old.sa_handler == SIG_DFL) lua_pushliteral(L, "default");
  else lua_pushliteral(L, "handler");
  return 1;
}


/*** Send a signal to a process (kill(2)): for forking servers that end
  their children.
@function kill
@tparam int pid the process (a child from lsock.fork)
@tparam[opt] string|int sig "SIGTERM" (default), "KILL", 9 ...; 0 only
  checks that the process exists
@treturn boolean true
@return[2] nil, msg, errno (ESRCH: no such process)
@usage lsock.kill(pid, "KILL"); lsock.wait(pid)
@see kill(2)
*/
/* lsock.kill(pid [, sig]) -> true */
static int lsock_kill(lua_State *L) {
  lua_Integer pid = luaL_checkinteger(L, 1);
  int sig = SIGTERM;
  luaL_argcheck(L, pid > 0 && pid <= INT_MAX, 1,
                "process id expected (a group or -1 is not taken)");
  if (lua_type(L, 2) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, 2, &len);
    sig = tosig(L, 2, 2, s, len);
  } else if (!lua_isnoneornil(L, 2)) {
    lua_Integer v = luaL_checkinteger(L, 2);
    luaL_argcheck(L, v >= 0 && v < NSIGS, 2, "invalid signal number");
    sig = (int)v;
  }
  if (kill((pid_t)pid, sig) == -1) return lsockI_fail(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}


/* Methods ------------------------------------------------------------ */

/*** The next signal.
@function signalfd:read
@tparam[opt] number timeout seconds; nil waits, 0 does not
@treturn string the signal's name, "SIGIO"
@treturn table the signalfd_siginfo fields without "ssi_" (signo, pid, fd,
  band...)
@return[2] nil, msg, errno (EAGAIN; "timeout", ETIMEDOUT)
@see signalfd(2)
@usage local name, info = sfd:read(1.0)
*/
/* read([timeout]) -> name, {signo=, code=, pid=, uid=, fd=, band=, ...}
** (the ssi_ fields without their prefix).  No timeout: wait; 0: do not
** wait (nil, msg, EAGAIN when nothing is pending). */
static int sig_read(lua_State *L) {
  SigFd *p = checksigfd(L);
  double t = -1;
  LsockDeadline dl;
  struct signalfd_siginfo si;
  ssize_t n;
  if (!lua_isnoneornil(L, 2)) {
    t = luaL_checknumber(L, 2);
    luaL_argcheck(L, t == t, 2, "timeout is NaN");
    if (t == HUGE_VAL) t = -1;
  }
  dl = lsockI_deadline(t);
  for (;;) {
    int err;
    n = read(p->fd, &si, sizeof si);
    if (n == (ssize_t)sizeof si) break;
    if (n >= 0) return lsockI_fail(L, EIO);  /* cannot happen */
    if ((err = errno) == EINTR) continue;
    if (err != EAGAIN || t == 0) return lsockI_fail(L, err);
    if ((err = lsockI_waitfd(p->fd, POLLIN, &dl)) != 0)
      return lsockI_pusherr(L, err);
  }
  pushsigname(L, (int)si.ssi_signo);
  lua_createtable(L, 0, 16);
  setint(L, "signo", si.ssi_signo);
  setint(L, "errno", si.ssi_errno);
  setint(L, "code", si.ssi_code);
  setint(L, "pid", si.ssi_pid);
  setint(L, "uid", si.ssi_uid);
  setint(L, "fd", si.ssi_fd);
  setint(L, "tid", si.ssi_tid);
  setint(L, "band", si.ssi_band);
  setint(L, "overrun", si.ssi_overrun);
  setint(L, "trapno", si.ssi_trapno);
  setint(L, "status", si.ssi_status);
  setint(L, "int", si.ssi_int);
  setint(L, "ptr", (lua_Integer)si.ssi_ptr);
  setint(L, "utime", (lua_Integer)si.ssi_utime);
  setint(L, "stime", (lua_Integer)si.ssi_stime);
  setint(L, "addr", (lua_Integer)si.ssi_addr);
  return 2;
}

/*** The descriptor, for select and pollers.
@function signalfd:fileno
@treturn int
@usage local r = lsock.select({sfd:fileno()}, {}, 1)
*/
static int sig_fileno(lua_State *L) {
  lua_pushinteger(L, checksigfd(L)->fd);
  return 1;
}

/*** Close it; its signals are unblocked when no other signalfd holds them.
@function signalfd:close
@treturn true
@usage sfd:close()
*/
static int sig_close(lua_State *L) {
  int err = closesigfd((SigFd *)luaL_checkudata(L, 1, LSOCK_SIGNALFD));
  if (err) return lsockI_fail(L, err);
  lua_pushboolean(L, 1);
  return 1;
}

static int sig_gc(lua_State *L) {
  closesigfd((SigFd *)luaL_checkudata(L, 1, LSOCK_SIGNALFD));
  return 0;
}

static int sig_tostring(lua_State *L) {
  SigFd *p = (SigFd *)luaL_checkudata(L, 1, LSOCK_SIGNALFD);
  if (p->fd < 0) lua_pushliteral(L, "lsock.signalfd(closed)");
  else lua_pushfstring(L, "lsock.signalfd(fd=%d)", p->fd);
  return 1;
}

/*** Ask for SIGIO when the socket becomes ready (O_ASYNC); either way this
  process owns the socket, for SIGURG.
@function socket:setasync
@tparam boolean on
@treturn true
@return[2] nil, msg, errno
@see fcntl(2)
@usage s:setasync(true); local sfd = lsock.signalfd("SIGIO")
*/
/* s:setasync(on): O_ASYNC on or off (SIGIO when the socket becomes
** ready).  Either way this process becomes the socket's owner, which is
** all SIGURG needs: setasync(false) asks for SIGURG alone. */
static int meth_setasync(lua_State *L) {
  Sock *s = lsockI_checksock(L, 1);
  int on, fl;
  luaL_checktype(L, 2, LUA_TBOOLEAN);
  on = lua_toboolean(L, 2);
  if (fcntl(s->fd, F_SETOWN, getpid()) == -1) return lsockI_fail(L, errno);
  if ((fl = fcntl(s->fd, F_GETFL)) == -1) return lsockI_fail(L, errno);
  fl = on ? fl | O_ASYNC : fl & ~O_ASYNC;
  if (fcntl(s->fd, F_SETFL, fl) == -1) return lsockI_fail(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}


/* Registration ------------------------------------------------------------ */

static const luaL_Reg sigmethods[] = {
  {"read", sig_read},
  {"fileno", sig_fileno},
  {"close", sig_close},
  {NULL, NULL}
};

static const luaL_Reg sigmeta[] = {
  {"__gc", sig_gc},
  {"__close", sig_gc},
  {"__tostring", sig_tostring},
  {NULL, NULL}
};

static const luaL_Reg sockmethods[] = {
  {"setasync", meth_setasync},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"signalfd", lsock_signalfd},
  {"signal", lsock_signal},
  {"kill", lsock_kill},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_sigio(lua_State *L) {
  luaL_newmetatable(L, LSOCK_SIGNALFD);
  luaL_setfuncs(L, sigmeta, 0);
  luaL_newlib(L, sigmethods);
  lua_setfield(L, -2, "__index");  /* mt.__index = methods */
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}

/* The methods table on top: adds the socket's signal-driven methods. */
void lsockI_sigio_methods(lua_State *L) {
  lsockI_addmethods(L, sockmethods);
}
