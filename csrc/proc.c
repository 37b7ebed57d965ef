/*
** Processes, for forking servers: lsock.fork and lsock.wait (waitpid with
** the status decoded), and lsock.strerror for errno codes that come from
** elsewhere than a failed call (SO_ERROR after a non-blocking connect).
** fork flushes C stdio first, so buffered output is not written twice.
*/
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "lsock.h"


/* lsock.fork() -> pid in the parent, 0 in the child */
static int lsock_fork(lua_State *L) {
  pid_t pid;
  /* Lua's print and io.write go through stdio: what is still buffered
  ** would otherwise be written by both processes. */
  fflush(NULL);
  pid = fork();
  if (pid == -1) return lsockI_fail(L, errno);
  lua_pushinteger(L, (lua_Integer)pid);
  return 1;
}

/* lsock.wait([pid [, "nohang"]]) -> pid, "exited" | "signaled", code;
** 0 with "nohang" while the child (or every child) still runs. */
static int lsock_wait(lua_State *L) {
  static const char *const opts[] = {"hang", "nohang", NULL};
  lua_Integer pid = luaL_optinteger(L, 1, -1);
  int nohang = luaL_checkoption(L, 2, "hang", opts);
  int status = 0;
  pid_t r;
  luaL_argcheck(L, pid >= INT_MIN && pid <= INT_MAX, 1, "out of range");
  do r = waitpid((pid_t)pid, &status, nohang ? WNOHANG : 0);
  while (r == -1 && errno == EINTR);
  if (r == -1) return lsockI_fail(L, errno);
  lua_pushinteger(L, (lua_Integer)r);
  if (r == 0) return 1;
  if (WIFSIGNALED(status)) {
    lua_pushliteral(L, "signaled");
    lua_pushinteger(L, WTERMSIG(status));
  }
  else {
    lua_pushliteral(L, "exited");
    lua_pushinteger(L, WEXITSTATUS(status));
  }
  return 3;
}

/* lsock.strerror(code) -> the system's message for an errno code */
static int lsock_strerror(lua_State *L) {
  lua_Integer e = luaL_checkinteger(L, 1);
  luaL_argcheck(L, e >= 0 && e <= INT_MAX, 1, "out of range");
  lua_pushstring(L, strerror((int)e));
  return 1;
}

static const luaL_Reg funcs[] = {
  {"fork", lsock_fork},
  {"wait", lsock_wait},
  {"strerror", lsock_strerror},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_proc(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
}
