/*
** The header of lsock.tls (its own tls.so, linked to OpenSSL): the
** context and connection userdata and the helpers the files share.
** tls.so cannot call lsock.core's C functions (each module is loaded
** RTLD_LOCAL), so a connection keeps its socket only as a Lua object and
** does its own I/O on the descriptor through the BIO in bio.c.
*/
#ifndef LSOCK_TLS_H
#define LSOCK_TLS_H

#include <openssl/ssl.h>

#include "lua.h"
#include "lauxlib.h"

#define TLS_CTX   "lsock.tls.context"     /* metatable names (__name) */
#define TLS_CONN  "lsock.tls.connection"
#define TLS_SESS  "lsock.tls.session"

/* ctx == NULL: not built yet (context() failed half-way), so __gc is
** always safe.  The alpn list is in wire format (length-prefixed names).
** Uservalue 1: the sni function (servers), or nil. */
typedef struct Ctx {
  SSL_CTX *ctx;
  int server;
  int verify;                 /* clients: verification on */
  unsigned char *alpn;
  unsigned int alpnlen;
} Ctx;

/* ssl == NULL: closed.  Created closed, then opened.  fd is the socket's
** descriptor, timeout its timeout (< 0 blocking, 0 non-blocking).  L and
** self are set around every OpenSSL call, for the SNI callback, which
** runs Lua code.  Uservalues: 1 the socket object, 2 the context, 3 the
** context an SNI callback picked. */
typedef struct Conn {
  SSL *ssl;
  int fd;
  double timeout;
  int want;                   /* 'r', 'w' or 0: what the last call waits for */
  int ioerr;                  /* errno of the BIO's last failed call */
  int fatal;                  /* a fatal error happened: no close_notify */
  int done;                   /* the handshake is over */
  int verify;                 /* verification was asked for */
  int block;                  /* the BIO may wait in send/recv (timeout < 0) */
  unsigned char *rbuf;        /* bio.c's read-ahead (NULL until the first read) */
  int rpos, rlen;             /* its unread bytes: rbuf[rpos..rlen) */
  lua_State *L;
  int self;                   /* stack index of the connection in L */
} Conn;

/* bio.c: a BIO over the descriptor with MSG_NOSIGNAL | MSG_DONTWAIT */
void tlsI_open_bio(lua_State *L);
BIO *tlsI_newbio(lua_State *L, Conn *c);
int tlsI_hasrecord(const Conn *c);
void tlsI_freebuf(Conn *c);

/* cert.c: errors and certificates as Lua values */
int tlsI_pusherror(lua_State *L, const char *what);
int tlsI_pushverify(lua_State *L, long result);
void tlsI_pushcert(lua_State *L, X509 *x);

/* context.c */
Ctx *tlsI_checkctx(lua_State *L, int arg);
void tlsI_open_context(lua_State *L);

/* conn.c */
void tlsI_open_conn(lua_State *L);

#endif
