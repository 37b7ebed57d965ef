/*
** bench/tls_echo.c: the C side of the TLS echo benchmark (bench/tls_echo.sh).
**   tls_echo server CERT KEY            an epoll + OpenSSL echo server on
**                                       127.0.0.1 (prints its port)
**   tls_echo load PORT CA CONNS SECS    CONNS TLS connections, each sending
**                                       64-byte lines and waiting for the
**                                       echo; prints round trips per second
** Handshakes are done first (blocking, one after the other); only the round
** trips are timed.  TLS 1.3, TLS_AES_128_GCM_SHA256.
*/
#include "c/common.h"   /* now(), and the headers of bench/c */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MSG 64

/* Dies with OpenSSL's error queue (common.h's die gives errno). */
static void ssldie(const char *what) {
  fprintf(stderr, "tls_echo: %s\n", what);
  ERR_print_errors_fp(stderr);
  exit(1);
}

static void nonblock(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

typedef struct Conn { SSL *ssl; int fd, done, got; } Conn;

static void server(const char *cert, const char *key) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  struct epoll_event ev, evs[256];
  int l, ep, one = 1;
  char buf[16384];
  SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
      || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
    ssldie("certificate");
  l = socket(AF_INET, SOCK_STREAM, 0);
  a = loopback(0);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4096)) ssldie("listen");
  getsockname(l, (struct sockaddr *)&a, &len);
  printf("127.0.0.1:%d\n", ntohs(a.sin_port));
  fflush(stdout);
  nonblock(l);
  ep = epoll_create1(0);
  ev.events = EPOLLIN;
  ev.data.ptr = NULL;
  epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1), i;
    for (i = 0; i < n; i++) {
      Conn *c = (Conn *)evs[i].data.ptr;
      if (c == NULL) {
        int fd;
        while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          c = (Conn *)calloc(1, sizeof *c);
          c->fd = fd;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          c->ssl = SSL_new(ctx);
          SSL_set_fd(c->ssl, fd);
          SSL_set_accept_state(c->ssl);
          ev.events = EPOLLIN;
          ev.data.ptr = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      for (;;) {
        int r = SSL_read(c->ssl, buf, sizeof buf), e;
        if (r > 0) {
          SSL_write(c->ssl, buf, r);   /* small: fits the socket buffer */
          continue;
        }
        e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        SSL_free(c->ssl);
        close(c->fd);
        free(c);
        ERR_clear_error();
        break;
      }
    }
  }
}

static int load(int port, const char *ca, int conns, double secs) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  Conn *cs = (Conn *)calloc((size_t)conns, sizeof *cs);
  struct epoll_event ev, evs[256];
  char msg[MSG], buf[MSG];
  long trips = 0;
  int ep = epoll_create1(0), i;
  double t0, end;
  memset(msg, 'x', sizeof msg);
  msg[MSG - 1] = '\n';
  SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
  SSL_CTX_load_verify_locations(ctx, ca, NULL);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  for (i = 0; i < conns; i++) {
    int fd = connectto(SOCK_STREAM, port);
    nodelay(fd);
    cs[i].fd = fd;
    cs[i].ssl = SSL_new(ctx);
    SSL_set_fd(cs[i].ssl, fd);
    SSL_set_tlsext_host_name(cs[i].ssl, "localhost");
    SSL_set1_host(cs[i].ssl, "localhost");
    if (SSL_connect(cs[i].ssl) != 1) ssldie("SSL_connect");
    nonblock(fd);
    ev.events = EPOLLIN;
    ev.data.ptr = &cs[i];
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  t0 = now();
  end = t0 + secs;
  for (i = 0; i < conns; i++) SSL_write(cs[i].ssl, msg, MSG);
  while (now() < end) {
    int n = epoll_wait(ep, evs, 256, 100), k;
    for (k = 0; k < n; k++) {
      Conn *c = (Conn *)evs[k].data.ptr;
      int r;
      while ((r = SSL_read(c->ssl, buf, MSG - c->got)) > 0) {
        c->got += r;
        if (c->got == MSG) {
          c->got = 0;
          trips++;
          SSL_write(c->ssl, msg, MSG);
        }
      }
      ERR_clear_error();
    }
  }
  printf("%.0f\n", (double)trips / (now() - t0));
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "server") == 0) server(argv[2], argv[3]);
  if (argc == 6 && strcmp(argv[1], "load") == 0)
    return load(atoi(argv[2]), argv[3], atoi(argv[4]), atof(argv[5]));
  fprintf(stderr, "usage: tls_echo server CERT KEY | load PORT CA CONNS SECS\n");
  return 2;
}
