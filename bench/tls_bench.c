/*
** The C side of bench/tls_bench.lua: the same TLS workloads with OpenSSL
** called directly (SSL_read/SSL_write on blocking sockets), a forked
** client against the parent server over 127.0.0.1.
**   tls_bench bulk CERT KEY MIB     one connection, MIB MiB in 64 KiB writes
**   tls_bench hs CERT KEY COUNT     COUNT full handshakes, then COUNT resumed
**   tls_bench full CERT KEY COUNT   COUNT full handshakes only
**   tls_bench resumed CERT KEY COUNT  one full handshake, then COUNT resumed
** Prints "bulk <seconds>", "hs <full seconds> <resumed seconds>" (the
** server's clock: from the first accept to the last byte / handshake),
** "full <seconds>" or "resumed <seconds>" (bench/tls_profile.sh counts
** the instructions of full and resumed apart).
** TLS 1.3, TLS_AES_128_GCM_SHA256, the default groups (X25519 first); the
** client verifies the self-signed CERT and the name localhost, as
** lsock.tls does by default.
*/
#include "c/common.h"   /* now(), and the headers of bench/c */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define PIECE 65536

/* Dies with OpenSSL's error queue (common.h's die gives errno). */
static void ssldie(const char *what) {
  fprintf(stderr, "tls_bench: %s\n", what);
  ERR_print_errors_fp(stderr);
  exit(1);
}

static SSL_CTX *context(int server, const char *cert, const char *key) {
  SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!ctx) ssldie("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
  if (server) {
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
      ssldie("server certificate");
  } else {
    if (SSL_CTX_load_verify_locations(ctx, cert, NULL) != 1) ssldie("cafile");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  }
  return ctx;
}

static SSL *client(SSL_CTX *ctx, int port, SSL_SESSION *sess) {
  SSL *ssl = SSL_new(ctx);
  int fd = connectto(SOCK_STREAM, port);
  nodelay(fd);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, "localhost");
  SSL_set1_host(ssl, "localhost");
  if (sess) SSL_set_session(ssl, sess);
  if (SSL_connect(ssl) != 1) ssldie("SSL_connect");
  return ssl;
}

static void closessl(SSL *ssl) {
  int fd = SSL_get_fd(ssl);
  SSL_shutdown(ssl);    /* else OpenSSL marks the session not resumable */
  SSL_free(ssl);
  close(fd);
}

int main(int argc, char **argv) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int l, port, one = 1;
  long n, i, rounds[2];
  pid_t pid;
  SSL_CTX *sctx;
  static char buf[PIECE];
  double t0, t1;
  if (argc != 5) {
    fprintf(stderr, "usage: tls_bench bulk|hs|full|resumed CERT KEY N\n");
    return 2;
  }
  n = atol(argv[4]);
  /* the handshakes of each round: hs n full then n resumed, full n full,
  ** resumed one full (for its ticket) then n resumed */
  rounds[0] = strcmp(argv[1], "resumed") == 0 ? 1 : n;
  rounds[1] = strcmp(argv[1], "full") == 0 ? 0 : n;
  l = socket(AF_INET, SOCK_STREAM, 0);
  a = loopback(0);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 128)) ssldie("listen");
  getsockname(l, (struct sockaddr *)&a, &len);
  port = ntohs(a.sin_port);
  memset(buf, 'x', sizeof buf);
  if ((pid = fork()) == 0) {
    SSL_CTX *cctx = context(0, argv[2], argv[3]);
    close(l);
    if (strcmp(argv[1], "bulk") == 0) {
      SSL *ssl = client(cctx, port, NULL);
      long total = n * 1024 * 1024, sent = 0;
      while (sent < total) {
        size_t w;
        if (SSL_write_ex(ssl, buf, PIECE, &w) != 1) ssldie("SSL_write");
        sent += (long)w;
      }
      SSL_read(ssl, buf, 1);    /* the server's "done" */
      closessl(ssl);
    } else {
      SSL_SESSION *sess = NULL;
      int round;
      for (round = 0; round < 2; round++)
        for (i = 0; i < rounds[round]; i++) {
          SSL *ssl = client(cctx, port, round ? sess : NULL);
          if (SSL_read(ssl, buf, 1) != 1) ssldie("SSL_read");
          if (round == 0 && sess == NULL) sess = SSL_get1_session(ssl);
          if (round == 1 && !SSL_session_reused(ssl)) {
            fprintf(stderr, "handshake %ld: ", i);
            ssldie("not resumed");
          }
          closessl(ssl);
        }
      SSL_SESSION_free(sess);
    }
    _exit(0);
  }
  sctx = context(1, argv[2], argv[3]);
  if (strcmp(argv[1], "bulk") == 0) {
    long total = n * 1024 * 1024, got = 0;
    int c = accept(l, NULL, NULL);
    SSL *ssl = SSL_new(sctx);
    t0 = now();
    SSL_set_fd(ssl, c);
    if (SSL_accept(ssl) != 1) ssldie("SSL_accept");
    while (got < total) {
      size_t r;
      if (SSL_read_ex(ssl, buf, PIECE, &r) != 1) ssldie("SSL_read");
      got += (long)r;
    }
    t1 = now();
    SSL_write(ssl, "d", 1);
    closessl(ssl);
    printf("bulk %.4f\n", t1 - t0);
  } else {
    double tf = 0;
    int round;
    t0 = now();
    for (round = 0; round < 2; round++) {
      for (i = 0; i < rounds[round]; i++) {
        int c = accept(l, NULL, NULL);
        SSL *ssl = SSL_new(sctx);
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) != 1) ssldie("SSL_accept");
        SSL_write(ssl, "h", 1);
        SSL_read(ssl, buf, 1);    /* until the client closes */
        closessl(ssl);
      }
      if (round == 0) { tf = now() - t0; t0 = now(); }
    }
    if (strcmp(argv[1], "hs") == 0) printf("hs %.4f %.4f\n", tf, now() - t0);
    else if (rounds[1] == 0) printf("full %.4f\n", tf);
    else printf("resumed %.4f\n", now() - t0);
  }
  waitpid(pid, NULL, 0);
  return 0;
}
