/*
** tls.context(opts): an SSL_CTX configured from a table, client or
** server.  Every setting is applied and checked here, so that a bad file,
** a key that does not match, an unknown version or cipher name comes back
** from context() with OpenSSL's reason, never later from a handshake.
** Misuse (an unknown key, a value of the wrong type) raises.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include <openssl/err.h>

#include "tls.h"

static const char *const keys[] = {
  "mode", "verify", "cafile", "capath", "certfile", "keyfile", "password",
  "alpn", "minversion", "maxversion", "ciphers", "ciphersuites", "sni", NULL
};

static const char *const vnames[] = {
  "tls1", "tls1.1", "tls1.2", "tls1.3", NULL
};
static const int vnums[] = {
  TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION
};


/* Helpers ------------------------------------------------------------- */

Ctx *tlsI_checkctx(lua_State *L, int arg) {
  Ctx *c = (Ctx *)luaL_checkudata(L, arg, TLS_CTX);
  if (c->ctx == NULL) luaL_argerror(L, arg, "unusable TLS context");
  return c;
}

static int fail(lua_State *L, const char *msg, int code) {
  luaL_pushfail(L);
  lua_pushstring(L, msg);
  lua_pushinteger(L, code);
  return 3;
}

/* The string option k of the table at 1, or NULL. */
static const char *optstring(lua_State *L, const char *k) {
  const char *s;
  int t = lua_getfield(L, 1, k);
  if (t == LUA_TNIL) { lua_pop(L, 1); return NULL; }
  if (t != LUA_TSTRING)
    luaL_error(L, "bad argument #1 to 'context' (option '%s': string "
               "expected, got %s)", k, luaL_typename(L, -1));
  s = lua_tostring(L, -1);
  lua_pop(L, 1);    /* still referenced by the table */
  return s;
}

static void badopt(lua_State *L, const char *k, const char *msg) {
  luaL_error(L, "bad argument #1 to 'context' (option '%s': %s)", k, msg);
}

/* Every key of opts must be known. */
static void checkkeys(lua_State *L) {
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    int i, known = 0;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING)
      for (i = 0; keys[i]; i++)
        if (strcmp(keys[i], lua_tostring(L, -1)) == 0) known = 1;
    if (!known)
      luaL_error(L, "bad argument #1 to 'context' (unknown option '%s')",
                 luaL_tolstring(L, -1, NULL));
  }
}

/* The key's password: opts.password, a string or a function returning
** one.  Called by OpenSSL inside context(), so the Lua state is ours. */
typedef struct Pass { lua_State *L; } Pass;

static int passcb(char *buf, int size, int rwflag, void *u) {
  lua_State *L = ((Pass *)u)->L;
  size_t len;
  const char *p;
  int r = 0;
  (void)rwflag;
  /* Installed even without a password, so that OpenSSL never prompts on
  ** the terminal for one. */
  int t = lua_getfield(L, 1, "password");
  if (t == LUA_TNIL || (t == LUA_TFUNCTION && lua_pcall(L, 0, 1, 0) != LUA_OK)) {
    lua_pop(L, 1);
    return -1;
  }
  p = lua_tolstring(L, -1, &len);
  if (p != NULL && len <= (size_t)size) {
    memcpy(buf, p, len);
    r = (int)len;
  } else r = -1;
  lua_pop(L, 1);
  return r;
}

/* The wire form of the alpn array (each name 1 to 255 bytes). */
static void setalpn(lua_State *L, Ctx *c) {
  luaL_Buffer b;
  lua_Integer i, n;
  size_t len;
  const char *w;
  int t;
  if (lua_getfield(L, 1, "alpn") == LUA_TNIL) { lua_pop(L, 1); return; }
  t = lua_gettop(L);
  if (!lua_istable(L, t)) badopt(L, "alpn", "array of strings expected");
  n = luaL_len(L, t);
  luaL_buffinit(L, &b);
  for (i = 1; i <= n; i++) {
    lua_geti(L, t, i);
    w = lua_tolstring(L, -1, &len);
    if (lua_type(L, -1) != LUA_TSTRING || len == 0 || len > 255)
      badopt(L, "alpn", "names of 1 to 255 bytes expected");
    lua_pop(L, 1);    /* the table still holds the string */
    luaL_addchar(&b, (char)len);
    luaL_addlstring(&b, w, len);
  }
  luaL_pushresult(&b);
  w = lua_tolstring(L, -1, &len);
  if (len > 0) {
    c->alpn = (unsigned char *)OPENSSL_malloc(len);
    if (c->alpn == NULL) luaL_error(L, "not enough memory");
    memcpy(c->alpn, w, len);
    c->alpnlen = (unsigned int)len;
  }
  lua_settop(L, t - 1);
}

/* Servers: the first of our names the client also offers. */
static int alpncb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                  const unsigned char *in, unsigned int inlen, void *arg) {
  Ctx *c = (Ctx *)arg;
  unsigned char *sel;
  (void)ssl;
  if (SSL_select_next_proto(&sel, outlen, c->alpn, c->alpnlen, in, inlen)
      != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

/* Servers with opts.sni: the connection calls it during its handshake
** (conn.c sets c->L and c->self around every OpenSSL call). */
static int snicb(SSL *ssl, int *al, void *arg) {
  Conn *c = (Conn *)SSL_get_app_data(ssl);
  const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  lua_State *L = c ? c->L : NULL;
  Ctx *pick;
  (void)arg;
  if (L == NULL || name == NULL) return SSL_TLSEXT_ERR_NOACK;
  lua_getiuservalue(L, c->self, 2);            /* the context */
  lua_getiuservalue(L, -1, 1);                 /* its sni function */
  lua_pushstring(L, name);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    lua_pop(L, 2);
    *al = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  if (lua_isnil(L, -1)) {                      /* keep the default */
    lua_pop(L, 2);
    return SSL_TLSEXT_ERR_OK;
  }
  pick = (Ctx *)luaL_testudata(L, -1, TLS_CTX);
  if (pick == NULL || pick->ctx == NULL) {
    lua_pop(L, 2);
    *al = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  SSL_set_SSL_CTX(ssl, pick->ctx);
  lua_setiuservalue(L, c->self, 3);            /* keep it alive */
  lua_pop(L, 1);
  return SSL_TLSEXT_ERR_OK;
}

static int checkversion(lua_State *L, const char *k, const char *name,
                        int *v) {
  int i;
  for (i = 0; vnames[i]; i++)
    if (strcmp(vnames[i], name) == 0) { *v = vnums[i]; return 0; }
  lua_pushfstring(L, "%s: unknown TLS version '%s' (tls1, tls1.1, tls1.2 "
                  "or tls1.3)", k, name);
  return 1;
}

/* The verify option: clients true (default) or false; servers false
** (default), "peer" (ask for a certificate) or "require". */
static int getverify(lua_State *L, int server) {
  int t = lua_getfield(L, 1, "verify"), mode;
  if (t == LUA_TNIL) mode = server ? SSL_VERIFY_NONE : SSL_VERIFY_PEER;
  else if (t == LUA_TBOOLEAN)
    mode = lua_toboolean(L, -1) ? SSL_VERIFY_PEER : SSL_VERIFY_NONE;
  else if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "peer") == 0)
    mode = SSL_VERIFY_PEER;
  else if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "require") == 0)
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  else {
    badopt(L, "verify", "true, false, \"peer\" or \"require\" expected");
    return 0;
  }
  lua_pop(L, 1);
  return mode;
}

/* Applies opts (at 1) to c->ctx; returns 0, or pushes nil, msg, code and
** returns 3. */
static int configure(lua_State *L, Ctx *c) {
  SSL_CTX *ctx = c->ctx;
  const char *cafile = optstring(L, "cafile");
  const char *capath = optstring(L, "capath");
  const char *certfile = optstring(L, "certfile");
  const char *keyfile = optstring(L, "keyfile");
  const char *minv = optstring(L, "minversion");
  const char *maxv = optstring(L, "maxversion");
  const char *ciphers = optstring(L, "ciphers");
  const char *suites = optstring(L, "ciphersuites");
  int mode = getverify(L, c->server), v, t;
  Pass pass;
  pass.L = L;
  SSL_CTX_set_verify(ctx, mode, NULL);
  c->verify = (mode & SSL_VERIFY_PEER) != 0;
  if (cafile || capath) {
    if (!SSL_CTX_load_verify_locations(ctx, cafile, capath))
      return tlsI_pusherror(L, cafile ? lua_pushfstring(L, "cafile '%s'",
                            cafile) : lua_pushfstring(L, "capath '%s'",
                            capath));
    if (c->server && cafile) {
      STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cafile);
      if (names) SSL_CTX_set_client_CA_list(ctx, names);
    }
  } else if (c->verify && !SSL_CTX_set_default_verify_paths(ctx))
    return tlsI_pusherror(L, "system certificate store");
  if (checkversion(L, "minversion", minv ? minv : "tls1.2", &v))
    return fail(L, lua_tostring(L, -1), EINVAL);
  SSL_CTX_set_min_proto_version(ctx, v);
  if (maxv) {
    if (checkversion(L, "maxversion", maxv, &v))
      return fail(L, lua_tostring(L, -1), EINVAL);
    SSL_CTX_set_max_proto_version(ctx, v);
  }
  if (ciphers && !SSL_CTX_set_cipher_list(ctx, ciphers))
    return tlsI_pusherror(L, "ciphers");
  if (suites && !SSL_CTX_set_ciphersuites(ctx, suites))
    return tlsI_pusherror(L, "ciphersuites");
  t = lua_getfield(L, 1, "password");
  lua_pop(L, 1);
  if (t != LUA_TNIL && t != LUA_TSTRING && t != LUA_TFUNCTION)
    badopt(L, "password", "string or function expected");
  SSL_CTX_set_default_passwd_cb(ctx, passcb);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &pass);
  if (certfile && !SSL_CTX_use_certificate_chain_file(ctx, certfile))
    return tlsI_pusherror(L, lua_pushfstring(L, "certfile '%s'", certfile));
  if (keyfile || certfile) {
    const char *k = keyfile ? keyfile : certfile;
    if (!SSL_CTX_use_PrivateKey_file(ctx, k, SSL_FILETYPE_PEM))
      return tlsI_pusherror(L, lua_pushfstring(L, "keyfile '%s'", k));
    if (!certfile)
      return fail(L, "keyfile given without certfile", EINVAL);
    if (!SSL_CTX_check_private_key(ctx))
      return tlsI_pusherror(L, "keyfile does not match certfile");
  }
  SSL_CTX_set_default_passwd_cb(ctx, NULL);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
  if (c->server && !certfile)
    return fail(L, "a server context needs a certfile", EINVAL);
  setalpn(L, c);
  if (c->alpn) {
    if (c->server) SSL_CTX_set_alpn_select_cb(ctx, alpncb, c);
    else if (SSL_CTX_set_alpn_protos(ctx, c->alpn, c->alpnlen) != 0)
      return tlsI_pusherror(L, "alpn");
  }
  t = lua_getfield(L, 1, "sni");
  if (t != LUA_TNIL) {
    if (t != LUA_TFUNCTION) badopt(L, "sni", "function expected");
    if (!c->server) badopt(L, "sni", "only servers pick a context by name");
    lua_setiuservalue(L, 2, 1);    /* the context is at 2 */
    SSL_CTX_set_tlsext_servername_callback(ctx, snicb);
  } else lua_pop(L, 1);
  return 0;
}


/* Module function --------------------------------------------------------- */

/*** A TLS context: the settings connections are made with.
@function lsock.tls.context
@tparam[opt] table opts `mode` ("client", the default, or "server"),
`verify` (clients: true by default, false turns verification off; servers:
false by default, "peer" asks for a client certificate, "require" demands
one), `cafile`, `capath` (else the system store), `certfile` (PEM, chain
allowed), `keyfile` (default: certfile), `password` (string or function
returning one), `alpn` (array of protocol names, in preference order),
`minversion` (default "tls1.2"), `maxversion` ("tls1", "tls1.1", "tls1.2",
"tls1.3"), `ciphers` (TLS 1.2), `ciphersuites` (TLS 1.3), `sni`
(servers: function(name) returning the context for that name, or nil for
this one); any other key raises
@treturn context
@return[2] nil, msg, code (OpenSSL's reason: a bad file, a key that does
not match its certificate, an unknown version or cipher)
@see SSL_CTX_new(3)
@usage local ctx = assert(tls.context{cafile = "ca.pem"})
*/
static int tls_context(lua_State *L) {
  const char *mode;
  Ctx *c;
  int r;
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  checkkeys(L);
  mode = optstring(L, "mode");
  if (mode && strcmp(mode, "client") && strcmp(mode, "server"))
    badopt(L, "mode", "\"client\" or \"server\" expected");
  c = (Ctx *)lua_newuserdatauv(L, sizeof *c, 1);    /* at 2 */
  memset(c, 0, sizeof *c);
  luaL_setmetatable(L, TLS_CTX);
  c->server = mode && strcmp(mode, "server") == 0;
  ERR_clear_error();
  c->ctx = SSL_CTX_new(c->server ? TLS_server_method() : TLS_client_method());
  if (c->ctx == NULL) return tlsI_pusherror(L, "SSL_CTX_new");
  SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
                   | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (c->server)
    SSL_CTX_set_session_id_context(c->ctx, (const unsigned char *)"lsock", 5);
  if ((r = configure(L, c)) != 0) {
    SSL_CTX_free(c->ctx);
    c->ctx = NULL;
    return r;
  }
  lua_settop(L, 2);
  return 1;
}


/* Context methods --------------------------------------------------------- */

/*** A TLS context (lsock.tls.context): the settings of the connections
made with it (tls.wrap, tls.connect, server.tcp{tls = ctx}).
@type tls.context
@usage local ctx = assert(lsock.tls.context{mode = "server", certfile = "cert.pem", keyfile = "key.pem"})
*/

/*** "client" or "server".
@function tls.context:mode
@treturn string
@usage print(ctx:mode())
*/
static int ctx_mode(lua_State *L) {
  Ctx *c = tlsI_checkctx(L, 1);
  lua_pushstring(L, c->server ? "server" : "client");
  return 1;
}

static int ctx_gc(lua_State *L) {
  Ctx *c = (Ctx *)luaL_checkudata(L, 1, TLS_CTX);
  SSL_CTX_free(c->ctx);
  c->ctx = NULL;
  OPENSSL_free(c->alpn);
  c->alpn = NULL;
  c->alpnlen = 0;
  return 0;
}

/* lsock.tls.context(client) or (client unverified) */
static int ctx_tostring(lua_State *L) {
  Ctx *c = (Ctx *)luaL_checkudata(L, 1, TLS_CTX);
  lua_pushfstring(L, "lsock.tls.context(%s%s)",
                  c->server ? "server" : "client",
                  c->ctx == NULL ? " unusable"
                  : !c->server && !c->verify ? " unverified" : "");
  return 1;
}

static const luaL_Reg ctx_methods[] = {
  {"mode", ctx_mode},
  {NULL, NULL}
};

static const luaL_Reg ctx_meta[] = {
  {"__gc", ctx_gc},
  {"__tostring", ctx_tostring},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"context", tls_context},
  {NULL, NULL}
};

void tlsI_open_context(lua_State *L) {
  luaL_newmetatable(L, TLS_CTX);
  luaL_setfuncs(L, ctx_meta, 0);
  luaL_newlib(L, ctx_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
