/*
** The BIO a connection does its I/O through: send/recv on the socket's
** descriptor with MSG_NOSIGNAL (a vanished peer is EPIPE, never SIGPIPE)
** and MSG_DONTWAIT (conn.c waits in poll by the connection's timeout, so
** the descriptor's own blocking mode never matters).  A failed call keeps
** its errno in the connection for the error report.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "tls.h"

/* Made once and kept: every connection of every Lua state shares it. */
static BIO_METHOD *method;

#define isagain(e)  ((e) == EAGAIN || (e) == EWOULDBLOCK)

static int bio_write(BIO *b, const char *p, int len) {
  Conn *c = (Conn *)BIO_get_data(b);
  ssize_t n;
  BIO_clear_retry_flags(b);
  do n = send(c->fd, p, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n == -1 && errno == EINTR);
  if (n >= 0) return (int)n;
  if (isagain(errno)) BIO_set_retry_write(b);
  else c->ioerr = errno;
  return -1;
}

static int bio_read(BIO *b, char *p, int len) {
  Conn *c = (Conn *)BIO_get_data(b);
  ssize_t n;
  BIO_clear_retry_flags(b);
  do n = recv(c->fd, p, (size_t)len, MSG_DONTWAIT);
  while (n == -1 && errno == EINTR);
  if (n >= 0) return (int)n;
  if (isagain(errno)) BIO_set_retry_read(b);
  else c->ioerr = errno;
  return -1;
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

BIO *tlsI_newbio(Conn *c) {
  BIO *b;
  if (method == NULL) {
    method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                          "lsock socket");
    if (method == NULL) return NULL;
    BIO_meth_set_write(method, bio_write);
    BIO_meth_set_read(method, bio_read);
    BIO_meth_set_puts(method, bio_puts);
    BIO_meth_set_ctrl(method, bio_ctrl);
    BIO_meth_set_create(method, bio_create);
  }
  if ((b = BIO_new(method)) != NULL) BIO_set_data(b, c);
  return b;
}

