/*
** libFuzzer harness for lsock's pure C parsers (make fuzz-c): address
** literals (lsock.addr, inet_pton/aton/addr, numeric getaddrinfo), option
** values given as strings and tables (setsockopt), ancillary data decoding
** (lsockI_pushcmsgs over raw control bytes), sockaddr values of any length
** (lsockI_pushaddr), and the ancillary encoder (sendmsg items). The first
** input byte picks the parser; the rest is its input.
*/
#include "../csrc/compat.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "../csrc/lsock.h"

int luaopen_lsock_core(lua_State *L);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *L;

/* Each entry gets (bytes, selector) and may raise: a Lua error is a
** correct answer; only a crash or a sanitizer report is a finding. */
static const char *const script =
  "local lsock = require 'lsock.core'\n"
  "local u4 = assert(lsock.socket('inet', 'dgram'))\n"
  "local u6 = assert(lsock.socket('inet6', 'dgram'))\n"
  "local t4 = assert(lsock.socket('inet', 'stream'))\n"
  "local ux = assert(lsock.socket('unix', 'dgram'))\n"
  "local socks = { u4, u6, t4, ux }\n"
  "local names = { 'add_membership', 'drop_membership', 'multicast_if',\n"
  "  'join_group', 'leave_group', 'bindtodevice', 'congestion', 'linger',\n"
  "  'rcvtimeo', 'sndtimeo', 'ttl', 'tos', 'rcvbuf', 'reuseaddr',\n"
  "  'add_source_membership', 'block_source', 'multicast_ttl', 'v6only',\n"
  "  'nodelay', 'keepalive', 'user_timeout' }\n"
  "local levels = { 'socket', 'ip', 'ipv6', 'tcp', 'udp' }\n"
  "local function half(s)\n"
  "  local n = #s // 2\n"
  "  return s:sub(1, n), s:sub(n + 1)\n"
  "end\n"
  "return {\n"
  "  function(s, k)\n"  /* address literals */
  "    local a, b = half(s)\n"
  "    pcall(lsock.addr, s)\n"
  "    pcall(lsock.addr, a, k)\n"
  "    pcall(lsock.addr, a, b)\n"
  "    pcall(lsock.addr, '*', k, a)\n"
  "    pcall(lsock.inet_pton, 'inet', s)\n"
  "    pcall(lsock.inet_pton, 'inet6', s)\n"
  "    pcall(lsock.inet_aton, s)\n"
  "    pcall(lsock.inet_addr, s)\n"
  "    pcall(lsock.inet_ntoa, s)\n"
  "    pcall(lsock.inet_ntop, 'inet6', s)\n"
  "    pcall(lsock.getaddrinfo, a, b, { flags = 'numerichost numericserv' })\n"
  "    local ok, x = pcall(lsock.addr, a, k % 65536)\n"
  "    if ok and x then pcall(tostring, x); pcall(lsock.getnameinfo, x,\n"
  "      'numerichost numericserv') end\n"
  "  end,\n"
  "  function(s, k)\n"  /* option values */
  "    local sock = socks[k % #socks + 1]\n"
  "    local name = names[(k >> 2) % #names + 1]\n"
  "    local level = levels[(k >> 4) % #levels + 1]\n"
  "    local a, b = half(s)\n"
  "    pcall(sock.setsockopt, sock, level, name, s)\n"
  "    pcall(sock.setsockopt, sock, level, name, { multiaddr = a,\n"
  "      interface = b, sourceaddr = a, onoff = #a > 0, linger = #b })\n"
  "    pcall(sock.setsockopt, sock, 0, k, s)\n"
  "    pcall(sock.getsockopt, sock, 0, k, #s)\n"
  "    pcall(sock.setsockopt, sock, 'socket', 'linger',\n"
  "      { onoff = false, linger = 0 })\n"
  "  end,\n"
  "  function(s, k)\n"  /* ancillary encoding: items from the bytes */
  "    local items, i = {}, 1\n"
  "    while i + 2 <= #s and #items < 8 do\n"
  "      local n = s:byte(i + 2) % 32\n"
  "      local d = s:sub(i + 3, i + 2 + n)\n"
  "      local fds = {}\n"
  "      for j = 1, #d do fds[j] = d:byte(j) - 128 end\n"
  "      local data = (s:byte(i) % 3 == 0) and fds or d\n"
  "      items[#items + 1] = { s:byte(i) % 4 == 0 and 'socket' or s:byte(i),\n"
  "        s:byte(i + 1) % 8 == 0 and 'rights' or s:byte(i + 1), data }\n"
  "      i = i + 3 + n\n"
  "    end\n"
  "    pcall(ux.sendmsg, ux, 'x', items, 0, '\\0lsock-fuzz-nowhere')\n"
  "  end,\n"
  "}\n";

static void setup(void) {
  L = luaL_newstate();
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_lsock_core);
  lua_setfield(L, -2, "lsock.core");
  lua_pop(L, 1);
  if (luaL_dostring(L, script) != LUA_OK) abort();
  lua_setglobal(L, "targets");
}

/* Raw control bytes through the decoder recvmsg uses. */
static int decodecmsgs(lua_State *S) {
  size_t n;
  const char *s = lua_tolstring(S, 1, &n);
  void *ctl = malloc(n ? n : 1);  /* exact size: ASan sees any overread */
  struct msghdr m;
  if (ctl == NULL) return 0;
  memcpy(ctl, s, n);
  memset(&m, 0, sizeof m);
  m.msg_control = ctl;
  m.msg_controllen = n;
  lsockI_pushcmsgs(S, &m);
  free(ctl);
  return 1;
}

/* Any bytes as a sockaddr, then every field and its text. */
static int rawaddr(lua_State *S) {
  size_t n;
  const char *s = lua_tolstring(S, 1, &n);
  void *sa = malloc(n ? n : 1);
  if (sa == NULL) return 0;
  memcpy(sa, s, n);
  lsockI_pushaddr(S, (const struct sockaddr *)sa, (socklen_t)n);
  free(sa);
  lua_getfield(S, -1, "family");
  lua_getfield(S, -2, "host");
  lua_getfield(S, -3, "port");
  lua_getfield(S, -4, "path");
  lua_getfield(S, -5, "scope_id");
  lua_pop(S, 5);
  luaL_tolstring(S, -1, NULL);
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int top;
  if (L == NULL) setup();
  if (size < 2) return 0;
  top = lua_gettop(L);
  switch (data[0] % 5) {
    case 3: lua_pushcfunction(L, decodecmsgs); break;
    case 4: lua_pushcfunction(L, rawaddr); break;
    default:
      lua_getglobal(L, "targets");
      lua_rawgeti(L, -1, data[0] % 5 + 1);
      lua_remove(L, -2);
  }
  lua_pushlstring(L, (const char *)data + 2, size - 2);
  lua_pushinteger(L, data[1]);
  (void)lua_pcall(L, 2, 0, 0);
  lua_settop(L, top);
  if ((data[1] & 15) == 0) lua_gc(L, LUA_GCCOLLECT);
  return 0;
}
