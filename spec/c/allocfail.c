/*
** Test-only Lua module for the memory-error specs (spec/hardening_spec.lua,
** "issue 13 item 16"): arm(n) wraps the state's allocator so that the
** (n+1)th growing allocation from now on, and every one after it, fails as
** when memory runs out; disarm() gives the old allocator back.  heap() is
** the bytes malloc has handed out (glibc's mallinfo2), so a spec can see C
** memory that nothing frees.  Only a child lua5.4 of that spec loads it.
*/
#include <malloc.h>
#include <stddef.h>

#include <lua.h>
#include <lauxlib.h>

int luaopen_allocfail(lua_State *L);

static lua_Alloc oldf;
static void *oldud;
static long left;

/* Lua assumes a shrink never fails: only new and growing blocks do. */
static void *failing(void *ud, void *p, size_t osize, size_t nsize) {
  (void)ud;
  if (nsize > 0 && (p == NULL || nsize > osize) && left-- <= 0) return NULL;
  return oldf(oldud, p, osize, nsize);
}

static int allocfail_arm(lua_State *L) {
  left = (long)luaL_checkinteger(L, 1);
  if (oldf == NULL) {
    oldf = lua_getallocf(L, &oldud);
    lua_setallocf(L, failing, NULL);
  }
  return 0;
}

static int allocfail_disarm(lua_State *L) {
  if (oldf != NULL) {
    lua_setallocf(L, oldf, oldud);
    oldf = NULL;
  }
  return 0;
}

static int allocfail_heap(lua_State *L) {
  struct mallinfo2 mi = mallinfo2();
  lua_pushinteger(L, (lua_Integer)mi.uordblks);
  return 1;
}

static const luaL_Reg funcs[] = {
  {"arm", allocfail_arm},
  {"disarm", allocfail_disarm},
  {"heap", allocfail_heap},
  {NULL, NULL}
};

int luaopen_allocfail(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
