/*
** TLS connections: an SSL over a connected stream socket, which the
** connection owns (uservalue 1) but reaches only through Lua: fileno at
** wrap, settimeout and close later.  Every OpenSSL call goes through the
** BIO of bio.c, never blocks, and on SSL_ERROR_WANT_READ/WRITE the call
** waits in poll by the connection's timeout, as socket calls do: blocking
** (< 0), non-blocking (0: nil, msg, EAGAIN and want() says for what) or
** at most that many seconds per call (nil, "timeout", ETIMEDOUT).  A read
** that needs a write (renegotiation, key updates) just waits for the
** other direction.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* A stream recv gives at most this much a call, as lsock sockets do. */
#define RECORD_MAX 16384      /* SSL3_RT_MAX_PLAIN_LENGTH */


/* Helpers ------------------------------------------------------------- */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(lua_State *L, int err) {
  luaL_pushfail(L);
  if (err == ETIMEDOUT) lua_pushliteral(L, "timeout");
  else lua_pushstring(L, strerror(err));
  lua_pushinteger(L, err);
  return 3;
}

static Conn *anyconn(lua_State *L) {
  return (Conn *)luaL_checkudata(L, 1, TLS_CONN);
}

static Conn *checkconn(lua_State *L) {
  Conn *c = anyconn(L);
  if (c->ssl == NULL) luaL_error(L, "attempt to use a closed TLS connection");
  return c;
}

/* Before every OpenSSL call that may run a callback or do I/O.  A
** blocking connection lets the BIO wait in send and recv themselves, as
** OpenSSL on a blocking socket does: poll would only wait for the same
** thing, after a recv that gave EAGAIN, at two more system calls. */
static void prepare(lua_State *L, Conn *c) {
  c->L = L;
  c->self = 1;
  c->ioerr = 0;
  c->want = 0;
  c->block = c->timeout < 0;
  /* The queue is nearly always empty: peeking is a read, clearing
  ** rewrites all of its slots (a thousand instructions per call). */
  if (ERR_peek_error() != 0) ERR_clear_error();
}

/* After SSL_ERROR_WANT_READ/WRITE: wait by the timeout.  Returns 0 to
** retry, EAGAIN (non-blocking), ETIMEDOUT or poll's errno. */
static int waitio(Conn *c, int e, double *dl) {
  struct pollfd p;
  c->want = e == SSL_ERROR_WANT_WRITE ? 'w' : 'r';
  if (c->timeout == 0) return EAGAIN;
  if (c->timeout > 0 && *dl < 0) *dl = now() + c->timeout;
  p.fd = c->fd;
  p.events = c->want == 'w' ? POLLOUT : POLLIN;
  for (;;) {
    int ms = -1, r;
    if (*dl >= 0) {
      double left = *dl - now();
      if (left <= 0) return ETIMEDOUT;
      ms = left > INT_MAX / 1000 ? INT_MAX : (int)(left * 1000.0 + 0.999);
    }
    r = poll(&p, 1, ms);
    if (r > 0) return 0;
    if (r == -1 && errno != EINTR) return errno;
  }
}

/* The failure of an OpenSSL call (ret, its result): nil, msg, code.
** Errors of the descriptor keep their errno (EPIPE, ECONNRESET); a
** failed verification says why. */
static int pushfailure(lua_State *L, Conn *c, int ret) {
  int e = SSL_get_error(c->ssl, ret);
  unsigned long err = ERR_peek_error();
  c->fatal = 1;
  if (c->ioerr != 0 || (e == SSL_ERROR_SYSCALL && err == 0)) {
    ERR_clear_error();
    return fail(L, c->ioerr ? c->ioerr : ECONNRESET);
  }
  if (ERR_GET_LIB(err) == ERR_LIB_SSL
      && ERR_GET_REASON(err) == SSL_R_CERTIFICATE_VERIFY_FAILED)
    return tlsI_pushverify(L, SSL_get_verify_result(c->ssl));
  return tlsI_pusherror(L, NULL);
}

/* Drives the handshake to its end; returns 0, or the number of values
** pushed (the failure). */
static int handshake(lua_State *L, Conn *c, double *dl) {
  while (!c->done) {
    int r, e, err;
    prepare(L, c);
    r = SSL_do_handshake(c->ssl);
    if (r == 1) {
      c->done = 1;
      break;
    }
    e = SSL_get_error(c->ssl, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
      return pushfailure(L, c, r);
    if ((err = waitio(c, e, dl)) != 0) return fail(L, err);
  }
  return 0;
}

/* The range i, j of a string of length len, as string.sub takes it. */
static void subrange(lua_State *L, int ai, size_t len, size_t *start,
                     size_t *end) {
  lua_Integer i, j, l = (lua_Integer)len;
  i = luaL_optinteger(L, ai, 1);
  j = luaL_optinteger(L, ai + 1, -1);
  if (i < 0) i = i < -l ? 1 : l + i + 1;
  else if (i == 0) i = 1;
  if (j < 0) j = j < -l ? 0 : l + j + 1;
  else if (j > l) j = l;
  if (i > j) { *start = *end = 0; return; }
  *start = (size_t)(i - 1);
  *end = (size_t)j;
}

/* One SSL_write_ex of p[0..len), waiting by the timeout; returns the
** bytes written, or 0 after pushing the failure (3 values). */
static size_t writesome(lua_State *L, Conn *c, const char *p, size_t len,
                        double *dl) {
  for (;;) {
    size_t n = 0;
    int r, e, err;
    prepare(L, c);
    r = SSL_write_ex(c->ssl, p, len, &n);
    if (r == 1) return n;
    e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN) {
      fail(L, EPIPE);     /* the peer's close_notify came first */
      return 0;
    }
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
      pushfailure(L, c, r);
      return 0;
    }
    if ((err = waitio(c, e, dl)) != 0) {
      fail(L, err);
      return 0;
    }
  }
}

/* Pushes the socket's method m and the socket (the conn is at 1): the
** caller pushes the arguments and calls. */
static void pushsockmethod(lua_State *L, const char *m) {
  lua_getiuservalue(L, 1, 1);
  lua_getfield(L, -1, m);
  lua_insert(L, -2);
}

static double totimeout(lua_State *L, int idx) {
  double t;
  if (lua_isnoneornil(L, idx)) return -1;
  t = luaL_checknumber(L, idx);
  luaL_argcheck(L, t == t, idx, "timeout is NaN");
  return t < 0 || t == HUGE_VAL ? -1 : t;
}

/* A dotted or colon literal is matched against the certificate's IP
** addresses, anything else against its DNS names. */
static int isipliteral(const char *s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}


/* Module functions ------------------------------------------------------- */

static const char *const wrapkeys[] = {"servername", "checkname", "session",
                                       NULL};

/*** Wrap a connected stream socket in a TLS connection (no I/O yet).
@function lsock.tls.wrap
@param sock a connected stream socket (or an object with its fileno,
gettimeout, settimeout and close methods); the connection owns it
@tparam context ctx from tls.context
@tparam[opt] table opts `servername` (SNI, and the name the peer's
certificate must match: DNS name or IP literal), `checkname` (false:
do not match a name), `session` (from conn:session(), to resume)
@treturn connection
@usage local c = tls.wrap(assert(lsock.tcp.connect("example.org", 443)), ctx,
                  {servername = "example.org"})
assert(c:handshake())
*/
static int tls_wrap(lua_State *L) {
  Ctx *x = tlsI_checkctx(L, 2);
  const char *name = NULL;
  int checkname = 1, isnum, i, inloop = 0;
  SSL_SESSION *sess = NULL;
  lua_Integer fd;
  double timeout;
  Conn *c;
  BIO *bio;
  if (!lua_istable(L, 1) && !lua_isuserdata(L, 1))
    luaL_typeerror(L, 1, "socket");
  lua_settop(L, 3);
  if (luaL_getmetafield(L, 1, "__name") != LUA_TNIL) {
    inloop = lua_type(L, -1) == LUA_TSTRING
             && strcmp(lua_tostring(L, -1), "lsock.loop.socket") == 0;
    lua_pop(L, 1);
  }
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      int known = 0;
      lua_pop(L, 1);
      for (i = 0; lua_type(L, -1) == LUA_TSTRING && wrapkeys[i]; i++)
        if (strcmp(wrapkeys[i], lua_tostring(L, -1)) == 0) known = 1;
      if (!known)
        return luaL_error(L, "bad argument #3 to 'wrap' (unknown option "
                          "'%s')", luaL_tolstring(L, -1, NULL));
    }
    if (lua_getfield(L, 3, "servername") != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TSTRING)
        return luaL_argerror(L, 3, "servername: string expected");
      name = lua_tostring(L, -1);
    }
    if (lua_getfield(L, 3, "checkname") != LUA_TNIL) {
      luaL_argcheck(L, lua_isboolean(L, -1), 3, "checkname: boolean expected");
      checkname = lua_toboolean(L, -1);
    }
    if (lua_getfield(L, 3, "session") != LUA_TNIL) {
      SSL_SESSION **ps = (SSL_SESSION **)luaL_testudata(L, -1, TLS_SESS);
      luaL_argcheck(L, ps != NULL, 3, "session: TLS session expected");
      sess = *ps;
    }
    lua_pop(L, 3);
  }
  if (!x->server && x->verify && checkname && name == NULL)
    return luaL_argerror(L, 3, "servername expected (the name the "
                         "certificate must match; or checkname = false)");
  lua_getfield(L, 1, "fileno");
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  fd = lua_tointegerx(L, -1, &isnum);
  luaL_argcheck(L, isnum && fd >= 0 && fd <= INT_MAX, 1,
                "open socket expected");
  lua_getfield(L, 1, "gettimeout");
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  timeout = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : -1;
  lua_pop(L, 2);
  /* Over a loop-wrapped socket the connection is non-blocking and the
  ** Lua wrapper of lsock/tlsloop.lua waits in the loop. */
  if (inloop) {
    lua_getglobal(L, "require");
    lua_pushliteral(L, "lsock.tlsloop");
    lua_call(L, 1, 1);
  }
  c = (Conn *)lua_newuserdatauv(L, sizeof *c, 3);
  memset(c, 0, sizeof *c);
  c->fd = -1;
  luaL_setmetatable(L, TLS_CONN);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, -2, 2);
  ERR_clear_error();
  if ((c->ssl = SSL_new(x->ctx)) == NULL || (bio = tlsI_newbio(L, c)) == NULL) {
    SSL_free(c->ssl);
    c->ssl = NULL;
    return tlsI_pusherror(L, "SSL_new");
  }
  SSL_set_bio(c->ssl, bio, bio);
  SSL_set_app_data(c->ssl, c);
  c->fd = (int)fd;
  c->timeout = inloop ? 0 : timeout;
  c->verify = x->verify;
  if (x->server) SSL_set_accept_state(c->ssl);
  else {
    SSL_set_connect_state(c->ssl);
    if (name && isipliteral(name)) {
      if (checkname && x->verify
          && !X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name))
        return tlsI_pusherror(L, "servername");
    } else if (name) {
      if (!SSL_set_tlsext_host_name(c->ssl, name))
        return tlsI_pusherror(L, "servername");
      SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (checkname && x->verify && !SSL_set1_host(c->ssl, name))
        return tlsI_pusherror(L, "servername");
    }
    if (sess && !SSL_set_session(c->ssl, sess))
      return tlsI_pusherror(L, "session");
  }
  if (inloop) {    /* stack: ..., tlsloop, conn */
    lua_pushvalue(L, 1);
    if (timeout < 0) lua_pushnil(L);
    else lua_pushnumber(L, timeout);
    lua_call(L, 3, 1);
  }
  return 1;
}


/* Methods: the handshake and the data path ------------------------------ */

/*** A TLS connection (tls.wrap, tls.connect): used as a stream socket is,
with recv, send, sendall, settimeout, fileno, close; lsock.select, the
poller and lsock.stream.wrap take it.
@type tls.connection
@usage local c = assert(lsock.tls.connect("localhost", 8443, {cafile = "ca.pem"}))
*/

/*** Complete the handshake (recv and send do it first when needed).
@function tls.connection:handshake
@treturn true
@return[2] nil, msg, code: OpenSSL's reason ("certificate verify failed:
hostname mismatch"...), "timeout", ETIMEDOUT, or EAGAIN when
non-blocking (then want() says what to wait for)
@usage assert(conn:handshake())
@see SSL_do_handshake(3)
*/
static int conn_handshake(lua_State *L) {
  Conn *c = checkconn(L);
  double dl = -1;
  int r = handshake(L, c, &dl);
  if (r) return r;
  lua_pushboolean(L, 1);
  return 1;
}

/*** Receive at most n decrypted bytes.
@function tls.connection:recv
@tparam int n the most bytes to return (at most 1 MiB a call)
@treturn string data; "" when the peer closed the connection cleanly
(its close_notify)
@return[2] nil, msg, code ("timeout", ETIMEDOUT; EAGAIN when
non-blocking; ECONNRESET; OpenSSL's reason, such as "unexpected eof
while reading" when the peer closed without close_notify)
@usage local data = assert(conn:recv(4096))
@see SSL_read(3)
*/
static int conn_recv(lua_State *L) {
  Conn *c = checkconn(L);
  lua_Integer n = luaL_checkinteger(L, 2);
  double dl = -1;
  char stackbuf[RECORD_MAX];
  char *p;
  int r;
  luaL_argcheck(L, n >= 0, 2, "size must not be negative");
  luaL_argcheck(L, n <= INT_MAX, 2, "size too large");
  if (n > RECORD_MAX) n = RECORD_MAX;   /* what one SSL_read can give */
  if ((r = handshake(L, c, &dl)) != 0) return r;
  if (n == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  /* One SSL_read gives at most a record (16 KiB of plaintext): it is
  ** read into the stack, then copied once into its string (no buffer box
  ** for the collector). */
  p = stackbuf;
  for (;;) {
    size_t got = 0;
    int e, err;
    prepare(L, c);
    r = SSL_read_ex(c->ssl, p, (size_t)n, &got);
    if (r == 1) {
      lua_pushlstring(L, p, got);
      return 1;
    }
    e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN) {
      lua_pushliteral(L, "");
      return 1;
    }
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
      return pushfailure(L, c, r);
    if ((err = waitio(c, e, &dl)) != 0) return fail(L, err);
  }
}

/*** Send bytes; may send fewer than asked (a TLS record's worth).
@function tls.connection:send
@tparam string data
@tparam[opt] int i start of data:sub(i, j), without copying
@tparam[opt] int j end of the range
@treturn int bytes sent
@return[2] nil, msg, code (EPIPE or ECONNRESET when the peer has gone,
never SIGPIPE; "timeout", ETIMEDOUT; EAGAIN when non-blocking: then call
again with the same data)
@usage local n = assert(conn:send("hello\n"))
@see SSL_write(3)
*/
static int conn_send(lua_State *L) {
  Conn *c = checkconn(L);
  size_t len, i, j, n;
  const char *data = luaL_checklstring(L, 2, &len);
  double dl = -1;
  int r;
  subrange(L, 3, len, &i, &j);
  if ((r = handshake(L, c, &dl)) != 0) return r;
  if (j == i) n = 0;
  else if ((n = writesome(L, c, data + i, j - i, &dl)) == 0) return 3;
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/*** Send a whole string (or data:sub(i, j)).
@function tls.connection:sendall
@tparam string data
@tparam[opt] int i start of the range
@tparam[opt] int j end of the range
@treturn int the length of the range
@return[2] nil, msg, code, sent_so_far
@usage assert(conn:sendall(request))
@see SSL_write(3)
*/
static int conn_sendall(lua_State *L) {
  Conn *c = checkconn(L);
  size_t len, i, j, sent = 0;
  const char *data = luaL_checklstring(L, 2, &len);
  double dl = -1;
  int r;
  subrange(L, 3, len, &i, &j);
  if ((r = handshake(L, c, &dl)) != 0) {
    lua_pushinteger(L, 0);
    return r + 1;
  }
  while (sent < j - i) {
    size_t n = writesome(L, c, data + i + sent, j - i - sent, &dl);
    if (n == 0) {
      lua_pushinteger(L, (lua_Integer)sent);
      return 4;
    }
    sent += n;
  }
  lua_pushinteger(L, (lua_Integer)sent);
  return 1;
}

/*** Send close_notify: the peer's recv then gives "".
@function tls.connection:shutdown
@treturn true
@return[2] nil, msg, code
@usage conn:shutdown(); conn:close()
@see SSL_shutdown(3)
*/
static int conn_shutdown(lua_State *L) {
  Conn *c = checkconn(L);
  double dl = -1;
  /* Before the handshake there is nothing to close; once sent, it is. */
  while (c->done && !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN)) {
    int r, e, err;
    prepare(L, c);
    r = SSL_shutdown(c->ssl);
    if (r >= 0) break;
    e = SSL_get_error(c->ssl, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
      return pushfailure(L, c, r);
    if ((err = waitio(c, e, &dl)) != 0) return fail(L, err);
  }
  lua_pushboolean(L, 1);
  return 1;
}


/* Methods: state and information ----------------------------------------- */

/*** Decrypted bytes ready to be read without I/O (records read ahead but
not yet decrypted are not counted: dirty() tells whether a recv can give
data without waiting).
@function tls.connection:pending
@treturn int
@usage if conn:pending() > 0 then print(conn:recv(4096)) end
*/
static int conn_pending(lua_State *L) {
  Conn *c = checkconn(L);
  lua_pushinteger(L, SSL_pending(c->ssl));
  return 1;
}

/*** Whether bytes can be read without waiting: decrypted ones, or a whole
record read ahead from the socket (select and the poller ask this).
@function tls.connection:dirty
@treturn boolean
@usage if conn:dirty() then print(conn:recv(4096)) end
*/
static int conn_dirty(lua_State *L) {
  Conn *c = anyconn(L);
  lua_pushboolean(L, c->ssl != NULL
                    && (SSL_pending(c->ssl) > 0 || tlsI_hasrecord(c)));
  return 1;
}

/*** What the last call that gave EAGAIN waits for: "r" or "w".
@function tls.connection:want
@treturn string|nil "r" (readable), "w" (writable) or nil
@usage lsock.select(conn:want() == "r" and {conn} or {}, conn:want() == "w" and {conn} or {}, 5)
*/
static int conn_want(lua_State *L) {
  Conn *c = checkconn(L);
  if (c->want == 'r') lua_pushliteral(L, "r");
  else if (c->want == 'w') lua_pushliteral(L, "w");
  else lua_pushnil(L);
  return 1;
}

/*** The socket's descriptor.
@function tls.connection:fileno
@treturn int
@usage local fd = conn:fileno()
*/
static int conn_fileno(lua_State *L) {
  Conn *c = checkconn(L);
  lua_pushinteger(L, c->fd);
  return 1;
}

/*** The socket underneath (still owned by the connection).
@function tls.connection:socket
@return the socket
@usage print(conn:socket():getpeername())
*/
static int conn_socket(lua_State *L) {
  checkconn(L);
  lua_getiuservalue(L, 1, 1);
  return 1;
}

/*** Set the timeout, of the connection and of its socket.
@function tls.connection:settimeout
@tparam[opt] number t seconds (nil or negative: blocking; 0:
non-blocking), as socket:settimeout
@treturn true
@usage conn:settimeout(5)
*/
static int conn_settimeout(lua_State *L) {
  Conn *c = checkconn(L);
  double t = totimeout(L, 2);
  lua_settop(L, 2);
  pushsockmethod(L, "settimeout");
  lua_pushvalue(L, 2);
  lua_call(L, 2, 3);
  if (!lua_toboolean(L, -3)) return 3;
  c->timeout = t;
  lua_pushboolean(L, 1);
  return 1;
}

/*** The timeout set by settimeout.
@function tls.connection:gettimeout
@treturn number|nil seconds, or nil when blocking
@usage local t = conn:gettimeout()
*/
static int conn_gettimeout(lua_State *L) {
  Conn *c = checkconn(L);
  if (c->timeout < 0) luaL_pushfail(L);
  else lua_pushnumber(L, c->timeout);
  return 1;
}

/*** The protocol version: "TLSv1.3", "TLSv1.2".
@function tls.connection:version
@treturn string|nil nil before the handshake
@usage print(conn:version())
*/
static int conn_version(lua_State *L) {
  Conn *c = checkconn(L);
  if (c->done) lua_pushstring(L, SSL_get_version(c->ssl));
  else lua_pushnil(L);
  return 1;
}

/*** The cipher's name ("TLS_AES_256_GCM_SHA384").
@function tls.connection:cipher
@treturn string|nil nil before the handshake
@usage print(conn:cipher())
*/
static int conn_cipher(lua_State *L) {
  Conn *c = checkconn(L);
  if (c->done) lua_pushstring(L, SSL_get_cipher_name(c->ssl));
  else lua_pushnil(L);
  return 1;
}

/*** The protocol ALPN selected ("h2", "http/1.1"), or nil.
@function tls.connection:alpn
@treturn string|nil
@usage if conn:alpn() == "h2" then print("HTTP/2") end
*/
static int conn_alpn(lua_State *L) {
  Conn *c = checkconn(L);
  const unsigned char *p = NULL;
  unsigned int len = 0;
  SSL_get0_alpn_selected(c->ssl, &p, &len);
  if (p && len) lua_pushlstring(L, (const char *)p, len);
  else lua_pushnil(L);
  return 1;
}

/*** The server name: sent (clients) or asked for by the client (servers).
@function tls.connection:servername
@treturn string|nil
@usage print(conn:servername())
*/
static int conn_servername(lua_State *L) {
  Conn *c = checkconn(L);
  const char *s = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
  if (s) lua_pushstring(L, s);
  else lua_pushnil(L);
  return 1;
}

/*** Whether the peer's certificate was verified.
@function tls.connection:verified
@treturn boolean true
@return[2] false, reason ("verification disabled", "no peer
certificate", or OpenSSL's verify result)
@usage assert(conn:verified())
*/
static int conn_verified(lua_State *L) {
  Conn *c = checkconn(L);
  X509 *x;
  long r;
  lua_pushboolean(L, 0);
  if (!c->verify) {
    lua_pushliteral(L, "verification disabled");
    return 2;
  }
  if (!c->done) {
    lua_pushliteral(L, "no handshake yet");
    return 2;
  }
  if ((x = SSL_get1_peer_certificate(c->ssl)) == NULL) {
    lua_pushliteral(L, "no peer certificate");
    return 2;
  }
  X509_free(x);
  if ((r = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
    lua_pushstring(L, X509_verify_cert_error_string(r));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/*** The peer's certificate.
@function tls.connection:peercert
@treturn table|nil `{subject=, issuer=, san={"DNS:name", "IP:addr",
...}, notbefore=, notafter= (Unix times), serial= (hex), sha256= (hex
fingerprint), pem=}`, or nil when the peer sent none
@usage local cert = conn:peercert(); print(cert.subject, cert.notafter)
*/
static int conn_peercert(lua_State *L) {
  Conn *c = checkconn(L);
  X509 *x = SSL_get1_peer_certificate(c->ssl);
  if (x == NULL) {
    lua_pushnil(L);
    return 1;
  }
  tlsI_pushcert(L, x);
  X509_free(x);
  return 1;
}

/*** The session, to resume with a later connection of the same context.
@function tls.connection:session
@return an opaque session, or nil (no handshake yet; with TLS 1.3, no
ticket received yet: read first)
@usage local s = conn:session(); local c2 = tls.connect(host, 443, {session = s})
*/
static int conn_session(lua_State *L) {
  Conn *c = checkconn(L);
  SSL_SESSION *s = c->done ? SSL_get1_session(c->ssl) : NULL;
  SSL_SESSION **ps;
  if (s == NULL || !SSL_SESSION_is_resumable(s)) {
    SSL_SESSION_free(s);
    lua_pushnil(L);
    return 1;
  }
  ps = (SSL_SESSION **)lua_newuserdatauv(L, sizeof *ps, 0);
  *ps = s;
  luaL_setmetatable(L, TLS_SESS);
  return 1;
}

/*** Whether the handshake resumed a session.
@function tls.connection:resumed
@treturn boolean
@usage print(conn:resumed())
*/
static int conn_resumed(lua_State *L) {
  Conn *c = checkconn(L);
  lua_pushboolean(L, c->done && SSL_session_reused(c->ssl));
  return 1;
}


/* Methods: closing --------------------------------------------------------- */

/* Frees the SSL; with notify, first sends close_notify if it can do so
** without waiting. */
static void freessl(lua_State *L, Conn *c, int notify) {
  if (c->ssl == NULL) return;
  if (notify && c->done && !c->fatal
      && !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN)) {
    prepare(L, c);
    c->block = 0;     /* close never waits */
    SSL_shutdown(c->ssl);
  } else if (!c->fatal) {
    /* Without this, SSL_free takes the session for a failed one and
    ** makes it unresumable, also for a session() the user kept. */
    SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  ERR_clear_error();
  SSL_free(c->ssl);
  c->ssl = NULL;
  c->fd = -1;
  tlsI_freebuf(c);
}

/*** Close the connection and its socket (close_notify is sent first when
it can be without waiting); closing twice is harmless.
@function tls.connection:close
@treturn true
@return[2] nil, msg, errno from the socket's close
@usage conn:close()
@see SSL_free(3)
*/
static int conn_close(lua_State *L) {
  Conn *c = anyconn(L);
  if (c->ssl == NULL) {
    lua_pushboolean(L, 1);
    return 1;
  }
  freessl(L, c, 1);
  lua_settop(L, 1);
  pushsockmethod(L, "close");
  lua_call(L, 1, 3);
  if (lua_isnil(L, -2) && lua_isnil(L, -1)) lua_settop(L, 2);
  return lua_gettop(L) - 1;
}

/* __close: as close, quietly.  __gc: the SSL only (the socket has its own
** __gc, and may be finalized already). */
static int conn_tbc(lua_State *L) {
  Conn *c = anyconn(L);
  if (c->ssl == NULL) return 0;
  freessl(L, c, 1);
  lua_settop(L, 1);
  pushsockmethod(L, "close");
  lua_call(L, 1, 0);
  return 0;
}

static int conn_gc(lua_State *L) {
  freessl(L, anyconn(L), 0);
  return 0;
}

/* lsock.tls.connection(TLSv1.3 fd=5 localhost) */
static int conn_tostring(lua_State *L) {
  Conn *c = anyconn(L);
  const char *name;
  if (c->ssl == NULL) {
    lua_pushliteral(L, "lsock.tls.connection(closed)");
    return 1;
  }
  name = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
  lua_pushfstring(L, "lsock.tls.connection(%s%s fd=%d%s%s%s)",
                  SSL_is_server(c->ssl) ? "server " : "",
                  c->done ? SSL_get_version(c->ssl) : "no handshake yet",
                  c->fd, name ? " " : "", name ? name : "",
                  !c->verify && !SSL_is_server(c->ssl) ? " unverified" : "");
  return 1;
}

static int sess_gc(lua_State *L) {
  SSL_SESSION **ps = (SSL_SESSION **)luaL_checkudata(L, 1, TLS_SESS);
  SSL_SESSION_free(*ps);
  *ps = NULL;
  return 0;
}


/* Registration ------------------------------------------------------------ */

static const luaL_Reg conn_methods[] = {
  {"handshake", conn_handshake},
  {"recv", conn_recv},
  {"send", conn_send},
  {"sendall", conn_sendall},
  {"shutdown", conn_shutdown},
  {"close", conn_close},
  {"pending", conn_pending},
  {"dirty", conn_dirty},
  {"want", conn_want},
  {"fileno", conn_fileno},
  {"socket", conn_socket},
  {"settimeout", conn_settimeout},
  {"gettimeout", conn_gettimeout},
  {"version", conn_version},
  {"cipher", conn_cipher},
  {"alpn", conn_alpn},
  {"servername", conn_servername},
  {"verified", conn_verified},
  {"peercert", conn_peercert},
  {"session", conn_session},
  {"resumed", conn_resumed},
  {NULL, NULL}
};

static const luaL_Reg conn_meta[] = {
  {"__gc", conn_gc},
  {"__close", conn_tbc},
  {"__tostring", conn_tostring},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"wrap", tls_wrap},
  {NULL, NULL}
};

void tlsI_open_conn(lua_State *L) {
  luaL_newmetatable(L, TLS_CONN);
  luaL_setfuncs(L, conn_meta, 0);
  luaL_newlib(L, conn_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newmetatable(L, TLS_SESS);
  lua_pushcfunction(L, sess_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
