/*
** lsock.core: the module table, the top floor.  luaopen_lsock_core builds
** the table from every file's *_open, sets the exported constants and
** lsock.errno, and assembles the socket's methods from each file's group
** (the one table of contents below).  Nothing calls into this file.
*/
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include "lsock.h"
#include "constants.h"

/*** The errno codes of the system, both ways: `lsock.errno.ECONNREFUSED`
is the number the failures return third, `lsock.errno[111]` its name
(the first name wins: EAGAIN rather than EWOULDBLOCK).  getaddrinfo's
EAI codes are in lsock.EAI_*, not here.
@table errno
@usage local s, msg, err = lsock.tcp.connect("127.0.0.1", 1)
if err == lsock.errno.ECONNREFUSED then print("nobody there") end
print(lsock.errno[err])  --> ECONNREFUSED
*/

/* Module functions ---------------------------------------------------- */

/*** Close a raw descriptor (one received with SCM_RIGHTS, say).
@function close
@tparam int fd
@treturn true
@return[2] nil, msg, errno
@see close(2)
@usage for _, fd in ipairs(fds) do lsock.close(fd) end
*/
/* lsock.close(fd): close a raw descriptor, such as one received with
** SCM_RIGHTS that the program does not want to wrap. */
static int lsock_close(lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, 1, "invalid descriptor");
  /* POSIX leaves the descriptor state unspecified after EINTR; on Linux
  ** it is closed, so close is never retried. */
  if (close((int)fd) == -1 && errno != EINTR) return lsockI_fail(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}

static void setconstants(lua_State *L) {
  int i;
  for (i = 0; constants[i].name; i++) {
    lua_pushinteger(L, constants[i].value);
    lua_setfield(L, -2, constants[i].name);
  }
  /* lsock.errno: names to codes and codes to names; the first name of a
  ** code wins, so EAGAIN rather than EWOULDBLOCK names 11. */
  lua_createtable(L, 0, 256);
  for (i = 0; errnames[i].name; i++) {
    lua_pushinteger(L, errnames[i].value);
    lua_setfield(L, -2, errnames[i].name);
    if (lua_geti(L, -1, errnames[i].value) == LUA_TNIL) {
      lua_pushstring(L, errnames[i].name);
      lua_seti(L, -3, errnames[i].value);
    }
    lua_pop(L, 1);
  }
  lua_setfield(L, -2, "errno");
}

/*** The methods of every socket: the table that is the __index of the
socket metatable.  Add a function here and every socket has it as a
method; lsock.loop and the wrappers call the plain methods from it.
@table socketmethods
@usage local recv = lsock.socketmethods.recv
print(recv(s, 100))  -- same as s:recv(100)
*/

/* The socket's methods, in one table of contents: each group adds its
** methods (upvalue 1 the metatable, some with scratch memory) to the
** methods table on top. */
static void (*const socketmethods[])(lua_State *L) = {
  lsockI_socket_methods,    /* socket.c: bind listen accept connect send
                            ** sendall sendto recv recvfrom shutdown
                            ** getsockname getpeername fileno detach dup
                            ** family type protocol settimeout gettimeout
                            ** setblocking close */
  lsockI_options_methods,   /* options.c: setsockopt getsockopt */
  lsockI_msg_methods,       /* msg.c: sendmsg recvmsg sendfds recvfds
                            ** sendmmsg recvmmsg atmark */
  lsockI_sendfile_methods,  /* sendfile.c: sendfile */
  lsockI_sigio_methods,     /* sigio.c: setasync */
  NULL
};

/* Fills the socket metatable's methods table and exports it as
** socketmethods, and the metatable as _socketmt (for the Lua layer's
** "is this a socket" test; not part of the API). */
static void setsocketmethods(lua_State *L) {
  int i;
  luaL_getmetatable(L, LSOCK_SOCKET);
  lua_getfield(L, -1, "__index");
  for (i = 0; socketmethods[i]; i++) socketmethods[i](L);
  lua_setfield(L, -3, "socketmethods");
  lua_setfield(L, -2, "_socketmt");
}

static const luaL_Reg funcs[] = {
  {"close", lsock_close},
  {NULL, NULL}
};

LUAMOD_API int luaopen_lsock_core(lua_State *L);

LUAMOD_API int luaopen_lsock_core(lua_State *L) {
  luaL_newlib(L, funcs);
  setconstants(L);
  lsockI_open_socket(L);
  setsocketmethods(L);
  lsockI_open_addr(L);
  lsockI_open_gaipool(L);
  lsockI_open_link(L);
  lsockI_open_ifaddrs(L);
  lsockI_open_options(L);
  lsockI_open_names(L);
  lsockI_open_stream(L);
  lsockI_open_compatobj(L);
  lsockI_open_msg(L);
  lsockI_open_checksum(L);
  lsockI_open_sigio(L);
  lsockI_open_poll(L);
  lsockI_open_proc(L);
  lua_pushliteral(L, "lsock 0.1");
  lua_setfield(L, -2, "_VERSION");
  return 1;
}
