/*
** Workload 1, UDP ping-pong with 32-byte datagrams.  The server echoes
** each datagram and, once its time is up, answers with the first byte
** changed to '!', which tells the client to stop: the server alone keeps
** time, so every implementation is measured by the same clock.
** Usage: pingpong server SECONDS | pingpong client PORT
*/
#include "common.h"

#define SIZE 32

static int server(double secs) {
  int fd = bindany(SOCK_DGRAM);
  char buf[2048];
  struct sockaddr_storage from;
  double t0 = 0, c0 = 0;
  long ops = 0;
  rcvtimeo(fd, 5);
  while (ops < MAXOPS) {
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from,
                         &len);
    int stop;
    if (n < 0) die("recvfrom");
    if (n != SIZE) die("wrong datagram size");
    if (ops++ == 0) t0 = now(), c0 = cputime();
    stop = now() - t0 >= secs;
    if (stop) buf[0] = '!';
    if (sendto(fd, buf, SIZE, 0, (struct sockaddr *)&from, len) != SIZE)
      die("sendto");
    if (stop) break;
  }
  printf("ops=%ld secs=%.6f cpu=%.6f\n", ops, now() - t0, cputime() - c0);
  return 0;
}

static int client(int port) {
  int fd = connectto(SOCK_DGRAM, port);
  char msg[SIZE], buf[2048];
  long ops = 0;
  double c0 = cputime();
  memset(msg, 'a', sizeof msg);
  rcvtimeo(fd, 5);
  while (ops < MAXOPS) {
    ssize_t n;
    if (send(fd, msg, SIZE, 0) != SIZE) die("send");
    n = recv(fd, buf, sizeof buf, 0);
    if (n != SIZE) die("recv");
    ops++;
    if (memcmp(buf, msg, SIZE) != 0) {
      if (buf[0] == '!' && memcmp(buf + 1, msg + 1, SIZE - 1) == 0) break;
      die("wrong reply");
    }
  }
  printf("ops=%ld rss_kb=%ld cpu=%.6f\n", ops, peakrss(), cputime() - c0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "server") == 0)
    return server(argnum(argc, argv, 2, "seconds"));
  if (argc > 1 && strcmp(argv[1], "client") == 0)
    return client((int)argnum(argc, argv, 2, "port"));
  fprintf(stderr, "usage: pingpong server SECONDS | client PORT\n");
  return 2;
}
