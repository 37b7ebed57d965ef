/*
** Workload 3, TCP bulk in 64 KiB chunks.  The client under test sends
** half of BYTES, then receives the other half until the server shuts
** down its side, then sends one byte to say it has it all; the server
** times from accept to that byte and checks both counts, so send and
** receive paths are measured by the same clock for every implementation.
** Usage: bulk server BYTES | bulk client PORT BYTES
*/
#include "common.h"

#define CHUNK 65536

static char buf[CHUNK];

static int server(long total) {
  int lfd = bindany(SOCK_STREAM), fd;
  long half = total / 2, got = 0, sent = 0;
  double t0, c0;
  char ack;
  rcvtimeo(lfd, 5);
  if ((fd = accept(lfd, NULL, NULL)) == -1) die("accept");
  rcvtimeo(fd, 5);
  t0 = now();
  c0 = cputime();
  while (got < half) {
    ssize_t n = recv(fd, buf, CHUNK, 0);
    if (n <= 0) die("recv");
    got += n;
  }
  if (got != half) die("received more than sent");
  memset(buf, 'r', sizeof buf);
  while (sent < half) {
    size_t n = half - sent < CHUNK ? (size_t)(half - sent) : CHUNK;
    writen(fd, buf, n);
    sent += (long)n;
  }
  if (shutdown(fd, SHUT_WR) == -1) die("shutdown");
  if (readn(fd, &ack, 1) != 1) die("no acknowledgement");
  printf("ops=%ld secs=%.6f cpu=%.6f\n", got + sent, now() - t0,
         cputime() - c0);
  return 0;
}

static int client(int port, long total) {
  int fd = connectto(SOCK_STREAM, port);
  long half = total / 2, sent = 0, got = 0;
  double c0 = cputime();
  rcvtimeo(fd, 5);
  memset(buf, 's', sizeof buf);
  while (sent < half) {
    size_t n = half - sent < CHUNK ? (size_t)(half - sent) : CHUNK;
    writen(fd, buf, n);
    sent += (long)n;
  }
  while (got <= half) {
    ssize_t n = recv(fd, buf, CHUNK, 0);
    if (n < 0) die("recv");
    if (n == 0) break;
    got += n;
  }
  writen(fd, "k", 1);
  printf("ops=%ld sent=%ld received=%ld rss_kb=%ld cpu=%.6f\n", sent + got,
         sent, got, peakrss(), cputime() - c0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "server") == 0)
    return server((long)argnum(argc, argv, 2, "bytes"));
  if (argc > 1 && strcmp(argv[1], "client") == 0)
    return client((int)argnum(argc, argv, 2, "port"),
                  (long)argnum(argc, argv, 3, "bytes"));
  fprintf(stderr, "usage: bulk server BYTES | client PORT BYTES\n");
  return 2;
}
