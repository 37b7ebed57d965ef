/*
** luaopen_lsock_tls: the lsock.tls module (its own tls.so, linked to
** OpenSSL): contexts (context.c), connections (conn.c) and tls.connect,
** which lives in Lua (lsock/tlsconnect.lua: tcp.connect + wrap +
** handshake, yielding inside a loop task).
*/
#include "tls.h"

/*** Connect to host:port and complete a TLS handshake.
@function lsock.tls.connect
@tparam string|sockaddr|table host the name to connect to, also the
servername; or a sockaddr or an array of names and sockaddrs, as
lsock.tcp.connect takes (Happy Eyeballs over them; give `servername`)
@tparam int|string port
@tparam[opt] table opts the keys of lsock.tcp.connect (`timeout` also
bounds the handshake and stays the connection's timeout), of tls.wrap
(`servername`, `checkname`, `session`), `context` (a context) or the keys
of tls.context (a context is made from them); any other key raises
@treturn connection a handshaken client connection
@return[2] nil, msg, code
@usage local c = assert(tls.connect("example.org", 443))
@see SSL_connect(3)
*/
/* (The function is Lua's, from lsock/tlsconnect.lua, so that inside a
** loop task it can yield.) */

int luaopen_lsock_tls(lua_State *L);

int luaopen_lsock_tls(lua_State *L) {
  tlsI_open_bio(L);
  lua_newtable(L);
  tlsI_open_context(L);
  tlsI_open_conn(L);
  /* tlsconnect.lua requires lsock.tls itself: it must find this table. */
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "lsock.tls");
  lua_pop(L, 1);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "lsock.tlsconnect");
  lua_call(L, 1, 1);
  lua_setfield(L, -2, "connect");
  lua_pushstring(L, OpenSSL_version(OPENSSL_VERSION));
  lua_setfield(L, -2, "OPENSSL_VERSION");
  return 1;
}
