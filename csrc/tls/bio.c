/*
** The BIO a connection does its I/O through: send/recv on the socket's
** descriptor with MSG_NOSIGNAL (a vanished peer is EPIPE, never SIGPIPE)
** and MSG_DONTWAIT unless the connection is blocking (conn.c waits in
** poll by the connection's timeout, so the descriptor's own blocking mode
** never matters; a blocking connection waits in send/recv instead).  A failed call keeps
** its errno in the connection for the error report.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tls.h"

/* The BIO_METHOD is made once per Lua state and kept in the registry in
** a userdata whose __gc frees it: made before any connection, it is
** finalized after all of them (Lua finalizes in reverse order). */
#define BIOKEY  "lsock.tls.biomethod"

#define isagain(e)  ((e) == EAGAIN || (e) == EWOULDBLOCK)

/* Two whole records of TLS 1.3 (16 KiB of plaintext, 22 bytes of header,
** type and tag) with room to spare: kept from the first read to close. */
#define RBUF_SIZE 34816

static int bio_write(BIO *b, const char *p, int len) {
  Conn *c = (Conn *)BIO_get_data(b);
  ssize_t n;
  BIO_clear_retry_flags(b);
  do n = send(c->fd, p, (size_t)len,
              MSG_NOSIGNAL | (c->block ? 0 : MSG_DONTWAIT));
  while (n == -1 && errno == EINTR);
  if (n >= 0) return (int)n;
  if (isagain(errno)) BIO_set_retry_write(b);
  else c->ioerr = errno;
  return -1;
}

static int bio_read(BIO *b, char *p, int len) {
  Conn *c = (Conn *)BIO_get_data(b);
  ssize_t n;
  char *into = p;
  int size = len;
  BIO_clear_retry_flags(b);
  if (c->rpos == c->rlen && len < RBUF_SIZE) {
    c->rpos = c->rlen = 0;
    if (c->rbuf == NULL) c->rbuf = (unsigned char *)malloc(RBUF_SIZE);
    if (c->rbuf != NULL) {    /* else straight into p */
      into = (char *)c->rbuf;
      size = RBUF_SIZE;
    }
  }
  if (c->rpos == c->rlen) {
    do n = recv(c->fd, into, (size_t)size, c->block ? 0 : MSG_DONTWAIT);
    while (n == -1 && errno == EINTR);
    if (n > 0 && into != p) c->rlen = (int)n;
    else if (n >= 0) return (int)n;
  }
  if (c->rpos < c->rlen) {
    n = c->rlen - c->rpos < len ? c->rlen - c->rpos : len;
    memcpy(p, c->rbuf + c->rpos, (size_t)n);
    c->rpos += (int)n;
    return (int)n;
  }
  if (isagain(errno)) BIO_set_retry_read(b);
  else c->ioerr = errno;
  return -1;
}

int tlsI_hasrecord(const Conn *c) {
  const unsigned char *h;
  int left = c->rlen - c->rpos;
  if (c->rbuf == NULL || left < 5) return 0;
  h = c->rbuf + c->rpos;
  return left >= 5 + (h[3] << 8 | h[4]);
}

void tlsI_freebuf(Conn *c) {
  free(c->rbuf);
  c->rbuf = NULL;
  c->rpos = c->rlen = 0;
}

static int bio_puts(BIO *b, const char *s) {
  return bio_write(b, s, (int)strlen(s));
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void)b; (void)num; (void)ptr;
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static int method_gc(lua_State *L) {
  BIO_METHOD **pm = (BIO_METHOD **)lua_touserdata(L, 1);
  BIO_meth_free(*pm);
  *pm = NULL;
  return 0;
}

void tlsI_open_bio(lua_State *L) {
  BIO_METHOD **pm, *m;
  if (lua_getfield(L, LUA_REGISTRYINDEX, BIOKEY) != LUA_TNIL) {
    lua_pop(L, 1);    /* the module was opened before in this state */
    return;
  }
  lua_pop(L, 1);
  pm = (BIO_METHOD **)lua_newuserdatauv(L, sizeof *pm, 0);
  *pm = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, method_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "lsock socket");
  if (m == NULL) luaL_error(L, "BIO_meth_new failed");
  BIO_meth_set_write(m, bio_write);
  BIO_meth_set_read(m, bio_read);
  BIO_meth_set_puts(m, bio_puts);
  BIO_meth_set_ctrl(m, bio_ctrl);
  BIO_meth_set_create(m, bio_create);
  *pm = m;
  lua_setfield(L, LUA_REGISTRYINDEX, BIOKEY);
}

BIO *tlsI_newbio(lua_State *L, Conn *c) {
  BIO_METHOD **pm;
  BIO *b;
  lua_getfield(L, LUA_REGISTRYINDEX, BIOKEY);
  pm = (BIO_METHOD **)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (pm == NULL || *pm == NULL) return NULL;
  if ((b = BIO_new(*pm)) != NULL) BIO_set_data(b, c);
  return b;
}
