/*
** Name lookups on worker threads, for lsock.loop's getaddrinfo and
** getnameinfo.  The loop's thread checks the arguments and pushes the
** results exactly as lsock.getaddrinfo/getnameinfo do (addr.c); a worker
** only runs the C call on copies, so no Lua state is touched off the
** loop's thread.  A finished lookup adds 1 to one eventfd that the loop's
** poller watches.
**
** At most MAXWORKERS threads, started when a lookup finds none idle; one
** idle for IDLESECS seconds ends.  They block every signal, so that signals (and the
** signalfds of sigio.c) stay the main thread's.  After fork the child has
** no threads: its pool starts empty, lookups its parent had running are
** queued again (and get workers at the loop's next _lookupfd), and it
** makes its own eventfd (the parent's stays the
** parent's: the child reading it would steal its wake-ups).
**
** Workers run on stacks of the pool's own (one per slot, reused once its
** thread is joined).  glibc keeps a thread's resolver state, sockets
** included, in its descriptor at the top of the stack, and after fork it
** hands the stack of a thread that was mid-lookup to the child's next
** thread as it is: that thread then sent its query on the parent's DNS
** socket and each process read the other's answer.  The descriptor of a
** thread on a stack of the caller's is zeroed, so every worker starts
** with a resolver state of its own.
**
** The pool is the process's: two Lua states that both wait on its eventfd
** would take each other's wake-ups (lsock.loop runs in one state).
*/
#include "compat.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "lsock.h"

#define LOOKUP      "lsock.lookup"
#define MAXWORKERS  64           /* 50 lookups of 1 s take 1 s, not 13 */
#define IDLESECS    30
#define STACKSIZE   (1024 * 1024)  /* ample for getaddrinfo and NSS */

enum { QUEUED, RUNNING, DONE };
enum { ADDRINFO, NAMEINFO };

typedef struct Job {
  struct Job *next;        /* in the queue while QUEUED */
  int state, kind;
  int orphan;              /* its userdata is gone: its ender frees it */
  int r, err;              /* the call's result and errno */
  char *host, *service;    /* getaddrinfo's, copied */
  struct addrinfo hints, *res;
  Addr addr;               /* getnameinfo's */
  int niflags;
  char nihost[NI_MAXHOST], niserv[NI_MAXSERV];
} Job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static Job *qhead, *qtail;
static Job *running[MAXWORKERS];   /* by worker slot */
static char alive[MAXWORKERS];     /* the slot has a thread */
static char joinable[MAXWORKERS];  /* its thread, ended or not, is unjoined */
static pthread_t threads[MAXWORKERS];
static char *stacks[MAXWORKERS];   /* mapped on first use, a guard page low */
static size_t pagesize;
/* Workers alive, waiting, and started but not yet at their first job;
** jobs queued.  A pool has enough workers when nidle + nstarting covers
** nqueued (nidle counts a worker signalled but not yet awake, whose job
** is still in nqueued). */
static int nworkers, nidle, nstarting, nqueued;
static int efd = -1;


/* The pool (any thread, under mu unless said) ----------------------------- */

static void freejob(Job *j) {
  if (j->res) freeaddrinfo(j->res);
  free(j->host);
  free(j->service);
  free(j);
}

static void enqueue(Job *j) {
  j->state = QUEUED;
  j->next = NULL;
  if (qtail) qtail->next = j; else qhead = j;
  qtail = j;
  nqueued++;
}

static void unqueue(const Job *j) {
  Job **p, *prev = NULL;
  for (p = &qhead; *p; prev = *p, p = &(*p)->next)
    if (*p == j) {
      *p = j->next;
      if (qtail == j) qtail = prev;
      nqueued--;
      return;
    }
}

static void run(Job *j) {
  if (j->kind == ADDRINFO) {
    j->r = getaddrinfo(j->host, j->service, &j->hints, &j->res);
  } else {
    j->r = getnameinfo((const struct sockaddr *)&j->addr.ss, j->addr.len,
                       j->nihost, sizeof j->nihost, j->niserv,
                       sizeof j->niserv, j->niflags);
  }
  j->err = errno;
}

static void *worker(void *arg) {
  int slot = (int)(intptr_t)arg;
  pthread_mutex_lock(&mu);
  nstarting--;
  for (;;) {
    Job *j;
    while (qhead == NULL) {
      struct timespec until;
      int r;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_sec += IDLESECS;
      nidle++;
      r = pthread_cond_timedwait(&cv, &mu, &until);
      nidle--;
      if (r == ETIMEDOUT && qhead == NULL) {
        alive[slot] = 0;
        nworkers--;
        pthread_mutex_unlock(&mu);
        return NULL;
      }
    }
    j = qhead;
    unqueue(j);
    j->state = RUNNING;
    running[slot] = j;
    pthread_mutex_unlock(&mu);
    run(j);
    pthread_mutex_lock(&mu);
    running[slot] = NULL;
    if (j->orphan) {
      freejob(j);
    } else {
      uint64_t one = 1;
      j->state = DONE;
      if (write(efd, &one, sizeof one) < 0) { /* full only after 2^64 - 1 */ }
    }
  }
  return NULL;
}

/* Under mu: the stack of a slot, free to use (its last thread joined). */
static int slotstack(int slot) {
  if (joinable[slot]) {
    /* ended, or about to: it took mu for the last time */
    (void)pthread_join(threads[slot], NULL);
    joinable[slot] = 0;
  }
  if (stacks[slot] == NULL) {
    void *p;
    if (pagesize == 0) pagesize = (size_t)sysconf(_SC_PAGESIZE);
    p = mmap(NULL, pagesize + STACKSIZE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return errno;
    (void)mprotect(p, pagesize, PROT_NONE);   /* overflow faults */
    stacks[slot] = (char *)p;
  }
  return 0;
}

/* A new worker, with every signal blocked (the mask is inherited). */
static int startworker(void) {
  pthread_attr_t attr;
  sigset_t all, old;
  int r, slot = 0;
  while (alive[slot]) slot++;      /* nworkers < MAXWORKERS: one is free */
  if ((r = slotstack(slot)) != 0) return r;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, stacks[slot] + pagesize, STACKSIZE);
  r = pthread_create(&threads[slot], &attr, worker, (void *)(intptr_t)slot);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (r == 0) {
    alive[slot] = 1;
    joinable[slot] = 1;
    nworkers++;
    nstarting++;
  }
  return r;
}

/* Under mu: workers for every queued job (up to MAXWORKERS).  0, or the
** error of a start that left the queue with no worker at all. */
static int ensureworkers(void) {
  while (nqueued > nidle + nstarting && nworkers < MAXWORKERS) {
    int err = startworker();
    if (err != 0) return nworkers > 0 ? 0 : err;   /* the others take it */
  }
  return 0;
}

static void prefork(void) { pthread_mutex_lock(&mu); }
static void postfork(void) { pthread_mutex_unlock(&mu); }

static void childfork(void) {
  int i;
  pthread_mutex_init(&mu, NULL);
  pthread_cond_init(&cv, NULL);
  for (i = 0; i < MAXWORKERS; i++) {
    Job *j = running[i];
    running[i] = NULL;
    alive[i] = 0;
    joinable[i] = 0;               /* the parent's: not ours to join */
    if (j == NULL) continue;
    if (j->orphan) freejob(j); else enqueue(j);
  }
  nworkers = nidle = nstarting = 0;   /* the queue is started on next use */
  if (efd >= 0) close(efd);
  efd = -1;
}

/* Once per process: the fork handlers, and this library pinned in memory
** (RTLD_NODELETE), since lua_close unloads it while idle workers still
** run its code. */
static void setup(void) {
  Dl_info info;
  pthread_atfork(prefork, postfork, childfork);
  if (dladdr((void *)setup, &info) && info.dli_fname)
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

/* Under mu: the eventfd, made on first use (0, or an errno). */
static int openfd(void) {
  pthread_once(&once, setup);
  if (efd < 0) efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return efd < 0 ? errno : 0;
}


/* Lua side ---------------------------------------------------------------- */

static Job **checkbox(lua_State *L) {
  return (Job **)luaL_checkudata(L, 1, LOOKUP);
}

static LSOCK_NORETURN void nomem(lua_State *L) {
  luaL_error(L, "not enough memory");
  abort();                         /* not reached */
}

/* A lookup userdata and its job, zeroed. */
static Job *newjob(lua_State *L, int kind) {
  Job **box = (Job **)lua_newuserdatauv(L, sizeof *box, 0);
  Job *j;
  *box = NULL;
  luaL_setmetatable(L, LOOKUP);
  if ((j = (Job *)calloc(1, sizeof *j)) == NULL) nomem(L);
  j->kind = kind;
  j->state = DONE;                 /* until queued: __gc frees it */
  *box = j;
  return j;
}

/* Hands the job on top's userdata to the pool; returns it, or fails. */
static int submit(lua_State *L, Job *j) {
  int err;
  pthread_mutex_lock(&mu);
  err = openfd();
  if (err == 0) {
    enqueue(j);
    err = ensureworkers();
    if (err != 0) unqueue(j);
    else pthread_cond_signal(&cv);
  }
  pthread_mutex_unlock(&mu);
  if (err != 0) {
    j->state = DONE;               /* never queued: the userdata frees it */
    return lsockI_fail(L, err);
  }
  return 1;
}

static char *copy(lua_State *L, const char *s) {
  char *c;
  if (s == NULL) return NULL;
  if ((c = strdup(s)) == NULL) nomem(L);
  return c;
}

/* lsock._getaddrinfo(host, service [, hints]) -> lookup, or what
** lsock.getaddrinfo returns at once for arguments that match nothing. */
static int pool_getaddrinfo(lua_State *L) {
  GaiArgs g;
  Job *j;
  int r = lsockI_gaiargs(L, &g);
  if (r != 0) return r;
  j = newjob(L, ADDRINFO);
  j->hints = g.hints;
  j->host = copy(L, g.host);
  j->service = copy(L, g.service);
  return submit(L, j);
}

/* lsock._getnameinfo(addr [, flags]) -> lookup */
static int pool_getnameinfo(lua_State *L) {
  Addr a;
  int flags = lsockI_niargs(L, &a);
  Job *j = newjob(L, NAMEINFO);
  j->addr = a;
  j->niflags = flags;
  return submit(L, j);
}

/* lsock._lookupfd() -> the eventfd that is readable when lookups end
** (a new one in a forked child), or nil, msg, errno */
static int pool_fd(lua_State *L) {
  int err, fd;
  pthread_mutex_lock(&mu);
  err = openfd();
  fd = efd;
  /* In a forked child, the lookups its parent had under way wait here for
  ** workers (none can be started in the fork handler); a failed start is
  ** tried again at the next call. */
  if (err == 0) (void)ensureworkers();
  pthread_mutex_unlock(&mu);
  if (err != 0) return lsockI_fail(L, err);
  lua_pushinteger(L, fd);
  return 1;
}

/* lsock._lookupdrain() -> how many lookups ended since the last drain */
static int pool_drain(lua_State *L) {
  uint64_t n = 0;
  int fd;
  pthread_mutex_lock(&mu);
  fd = efd;
  pthread_mutex_unlock(&mu);
  if (fd < 0 || read(fd, &n, sizeof n) != (ssize_t)sizeof n) n = 0;
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/* lookup:done() -> true once the results can be taken */
static int lookup_done(lua_State *L) {
  Job **box = checkbox(L);
  int done = 1;
  if (*box) {
    pthread_mutex_lock(&mu);
    done = (*box)->state == DONE;
    pthread_mutex_unlock(&mu);
  }
  lua_pushboolean(L, done);
  return 1;
}

/* lookup:result() -> what the plain call returns; once, after done(). */
static int lookup_result(lua_State *L) {
  Job **box = checkbox(L);
  Job *j = *box;
  int state;
  luaL_argcheck(L, j != NULL, 1, "lookup already taken or cancelled");
  pthread_mutex_lock(&mu);
  state = j->state;
  pthread_mutex_unlock(&mu);
  luaL_argcheck(L, state == DONE, 1, "lookup not done");
  if (j->kind == ADDRINFO) {
    struct addrinfo *res = j->res;
    int r = j->r, err = j->err;
    j->res = NULL;
    *box = NULL;
    freejob(j);
    return lsockI_gairesults(L, r, err, res);
  } else {
    /* pushed while the userdata still owns the job: an error frees it */
    int n = lsockI_niresults(L, j->r, j->err, j->nihost, j->niserv);
    *box = NULL;
    freejob(j);
    return n;
  }
}

/* lookup:cancel(): the lookup is forgotten (a running one is freed by its
** worker when it ends).  Also __gc and __close. */
static int lookup_cancel(lua_State *L) {
  Job **box = checkbox(L);
  Job *j = *box;
  *box = NULL;
  if (j == NULL) return 0;
  pthread_mutex_lock(&mu);
  if (j->state == RUNNING) {
    j->orphan = 1;
    j = NULL;
  } else if (j->state == QUEUED) {
    unqueue(j);
  }
  pthread_mutex_unlock(&mu);
  if (j) freejob(j);
  return 0;
}

static int lookup_tostring(lua_State *L) {
  Job **box = checkbox(L);
  lua_pushfstring(L, "lookup (%s): %p", *box ? "pending" : "taken", box);
  return 1;
}

static const luaL_Reg methods[] = {
  {"done", lookup_done},
  {"result", lookup_result},
  {"cancel", lookup_cancel},
  {NULL, NULL}
};

static const luaL_Reg metamethods[] = {
  {"__gc", lookup_cancel},
  {"__close", lookup_cancel},
  {"__tostring", lookup_tostring},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"_getaddrinfo", pool_getaddrinfo},
  {"_getnameinfo", pool_getnameinfo},
  {"_lookupfd", pool_fd},
  {"_lookupdrain", pool_drain},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_gaipool(lua_State *L) {
  luaL_newmetatable(L, LOOKUP);
  luaL_setfuncs(L, metamethods, 0);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
