/*
** What the C programs of bench/ share: a monotonic clock, dying loudly,
** the process's peak RSS, and the loopback/unix socket set-up.  Each
** program is both the peer every implementation talks to ("server") and
** the plain-C implementation under test ("client").
*/
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

/* A bound on every loop: no run does this many operations. */
#define MAXOPS 100000000L

static inline double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, errno ? strerror(errno) : "failed");
  exit(1);
}

/* CPU time of this process (user + system), which other load on the
** machine does not inflate the way it does wall time. */
static inline double cputime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* VmHWM from /proc/self/status, in kB: what the Lua sides read too. */
static inline long peakrss(void) {
  char line[256];
  long kb = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %ld", &kb) == 1) break;
  fclose(f);
  return kb;
}

/* A socket that gives up after 'secs' without data: a broken peer ends
** the run instead of hanging it. */
static inline void rcvtimeo(int fd, int secs) {
  struct timeval tv = {secs, 0};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1)
    die("setsockopt");
}

static inline void nodelay(int fd) {
  int on = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1)
    die("setsockopt");
}

static inline struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/* A socket bound to 127.0.0.1 on a port the kernel picks; prints
** "port=N" on the first line, which the driver hands to the client. */
static inline int bindany(int type) {
  struct sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, type, 0);
  if (fd == -1) die("socket");
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == -1) die("bind");
  if (type == SOCK_STREAM && listen(fd, 1024) == -1) die("listen");
  if (getsockname(fd, (struct sockaddr *)&a, &len) == -1) die("getsockname");
  printf("port=%d\n", ntohs(a.sin_port));
  fflush(stdout);
  return fd;
}

static inline int connectto(int type, int port) {
  struct sockaddr_in a = loopback(port);
  int fd = socket(AF_INET, type, 0);
  if (fd == -1) die("socket");
  if (connect(fd, (struct sockaddr *)&a, sizeof a) == -1) die("connect");
  return fd;
}

/* Exactly n bytes from a stream, or die (0 at end of stream). */
static inline size_t readn(int fd, char *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd, p + got, n - got, 0);
    if (r == 0) return got;
    if (r < 0) {
      if (errno == EINTR) continue;
      die("recv");
    }
    got += (size_t)r;
  }
  return got;
}

static inline void writen(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("send");
    }
    p += r;
    n -= (size_t)r;
  }
}

static inline double argnum(int argc, char **argv, int i,
                            const char *what) {
  if (i >= argc) {
    fprintf(stderr, "missing argument: %s\n", what);
    exit(2);
  }
  return atof(argv[i]);
}

#endif
