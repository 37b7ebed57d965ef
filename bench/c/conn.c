/*
** Workload 5, TCP connection rate: connect, one byte each way, close.
** The server answers each connection's byte with "x", or "!" once its
** time is up, which tells the client to stop; the server keeps time.
** Usage: conn server SECONDS | conn client PORT
*/
#include "common.h"

static int server(double secs) {
  int lfd = bindany(SOCK_STREAM);
  double t0 = 0, c0 = 0;
  long ops = 0;
  rcvtimeo(lfd, 5);
  while (ops < MAXOPS) {
    int fd = accept(lfd, NULL, NULL), stop;
    char c;
    if (fd == -1) die("accept");
    if (ops++ == 0) t0 = now(), c0 = cputime();
    if (readn(fd, &c, 1) != 1) die("no byte");
    stop = now() - t0 >= secs;
    writen(fd, stop ? "!" : "x", 1);
    close(fd);
    if (stop) break;
  }
  printf("ops=%ld secs=%.6f cpu=%.6f\n", ops, now() - t0, cputime() - c0);
  return 0;
}

static int client(int port) {
  struct sockaddr_in a = loopback(port);
  long ops = 0;
  double c0 = cputime();
  while (ops < MAXOPS) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char c;
    if (fd == -1) die("socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == -1) die("connect");
    writen(fd, "x", 1);
    if (readn(fd, &c, 1) != 1) die("no reply");
    close(fd);
    ops++;
    if (c == '!') break;
    if (c != 'x') die("wrong reply");
  }
  printf("ops=%ld rss_kb=%ld cpu=%.6f\n", ops, peakrss(), cputime() - c0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "server") == 0)
    return server(argnum(argc, argv, 2, "seconds"));
  if (argc > 1 && strcmp(argv[1], "client") == 0)
    return client((int)argnum(argc, argv, 2, "port"));
  fprintf(stderr, "usage: conn server SECONDS | client PORT\n");
  return 2;
}
