/*
** Test-only Lua module for the EINTR storm in spec/faults_spec.lua:
** arm(usec) installs a SIGALRM handler without SA_RESTART and starts a
** repeating ITIMER_REAL, so blocking calls in the process keep being
** interrupted; count() is the number of signals caught; disarm() stops
** the timer.  Only a child lua5.4 of that spec loads it, never lsock.
*/
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include <lua.h>
#include <lauxlib.h>

int luaopen_itimer(lua_State *L);

static volatile sig_atomic_t caught;

static void onalarm(int sig) {
  (void)sig;
  caught++;
}

static int itimer_arm(lua_State *L) {
  lua_Integer us = luaL_checkinteger(L, 1);
  struct sigaction sa;
  struct itimerval it;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = onalarm;  /* no SA_RESTART: calls fail with EINTR */
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGALRM, &sa, NULL) != 0) return luaL_error(L, "sigaction");
  it.it_interval.tv_sec = (time_t)(us / 1000000);
  it.it_interval.tv_usec = (suseconds_t)(us % 1000000);
  it.it_value = it.it_interval;
  if (setitimer(ITIMER_REAL, &it, NULL) != 0) return luaL_error(L, "setitimer");
  return 0;
}

static int itimer_disarm(lua_State *L) {
  struct itimerval it;
  (void)L;
  memset(&it, 0, sizeof it);
  setitimer(ITIMER_REAL, &it, NULL);
  return 0;
}

static int itimer_count(lua_State *L) {
  lua_pushinteger(L, caught);
  return 1;
}

int luaopen_itimer(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"arm", itimer_arm}, {"disarm", itimer_disarm}, {"count", itimer_count},
    {NULL, NULL}
  };
  luaL_newlib(L, fns);
  return 1;
}
