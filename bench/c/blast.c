/*
** Workload 2, UDP one-way blast of 64-byte datagrams.  The receiver is
** under test: it says "hello" to the C sender, which then sends as fast
** as it can for SECONDS, then "stop" until the receiver answers with
** "count N".  Received per second is N / SECONDS; loss is 1 - N / sent.
** Usage: blast server SECONDS | blast client PORT
*/
#include "common.h"

#include <poll.h>

#define SIZE 64

static int server(double secs) {
  int fd = bindany(SOCK_DGRAM);
  char buf[2048], msg[SIZE];
  struct sockaddr_storage from;
  socklen_t len = sizeof from;
  double t0, t, c0, cpu;
  long sent = 0, got = -1;
  int i;
  memset(msg, 'b', sizeof msg);
  rcvtimeo(fd, 5);
  if (recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) < 0)
    die("recvfrom hello");
  if (connect(fd, (struct sockaddr *)&from, len) == -1) die("connect");
  t0 = now();
  c0 = cputime();
  while (sent < MAXOPS) {
    /* A full receiver drops datagrams; a gone one makes send fail with
    ** ECONNREFUSED, which only matters if it never answers below. */
    if (send(fd, msg, SIZE, 0) == SIZE) sent++;
    if ((sent & 15) == 0 && now() - t0 >= secs) break;
  }
  t = now() - t0;
  cpu = cputime() - c0;
  /* Stop markers until the count comes back: the receiver's queue may be
  ** full at first, so repeat for up to two seconds. */
  for (i = 0; i < 200 && got < 0; i++) {
    struct pollfd p = {fd, POLLIN, 0};
    send(fd, "stop", 4, 0);
    if (poll(&p, 1, 10) == 1) {
      ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
      if (n > 6 && memcmp(buf, "count ", 6) == 0) {
        buf[n] = '\0';
        got = atol(buf + 6);
      }
    }
  }
  if (got < 0) die("no count from the receiver");
  printf("ops=%ld sent=%ld secs=%.6f cpu=%.6f\n", got, sent, t, cpu);
  return 0;
}

static int client(int port) {
  int fd = connectto(SOCK_DGRAM, port);
  char buf[2048];
  long n = 0;
  double c0 = cputime();
  rcvtimeo(fd, 5);
  if (send(fd, "hello", 5, 0) != 5) die("send");
  while (n < MAXOPS) {
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r == SIZE) n++;
    else if (r == 4 && memcmp(buf, "stop", 4) == 0) break;
    else die("recv");
  }
  snprintf(buf, sizeof buf, "count %ld", n);
  if (send(fd, buf, strlen(buf), 0) < 0) die("send");
  printf("ops=%ld rss_kb=%ld cpu=%.6f\n", n, peakrss(), cputime() - c0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "server") == 0)
    return server(argnum(argc, argv, 2, "seconds"));
  if (argc > 1 && strcmp(argv[1], "client") == 0)
    return client((int)argnum(argc, argv, 2, "port"));
  fprintf(stderr, "usage: blast server SECONDS | client PORT\n");
  return 2;
}
