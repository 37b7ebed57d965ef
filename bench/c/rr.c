/*
** Workloads 4 and 6, request/response of 64 bytes each way over TCP
** (127.0.0.1) or a unix stream socket.  The server echoes each request
** and, once its time is up, answers with the first byte changed to '!',
** which tells the client to stop; the server alone keeps time.
** Usage: rr server tcp|unix SECONDS | rr client tcp PORT | client unix PATH
*/
#include "common.h"

#define SIZE 64

static int listenunix(void) {
  struct sockaddr_un a;
  char dir[] = "/tmp/lsock-bench-XXXXXX";
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd == -1) die("socket");
  if (mkdtemp(dir) == NULL) die("mkdtemp");
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s/s", dir);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == -1) die("bind");
  if (listen(fd, 16) == -1) die("listen");
  printf("path=%s\n", a.sun_path);
  fflush(stdout);
  return fd;
}

static void removeunix(int fd) {
  struct sockaddr_un a;
  socklen_t len = sizeof a;
  char *slash;
  if (getsockname(fd, (struct sockaddr *)&a, &len) == -1) return;
  unlink(a.sun_path);
  if ((slash = strrchr(a.sun_path, '/')) != NULL) {
    *slash = '\0';
    rmdir(a.sun_path);
  }
}

static int server(int isunix, double secs) {
  int lfd = isunix ? listenunix() : bindany(SOCK_STREAM), fd;
  char buf[SIZE];
  double t0 = 0, c0 = 0;
  long ops = 0;
  rcvtimeo(lfd, 5);
  fd = accept(lfd, NULL, NULL);
  if (isunix) removeunix(lfd);
  if (fd == -1) die("accept");
  rcvtimeo(fd, 5);
  if (!isunix) nodelay(fd);
  while (ops < MAXOPS) {
    int stop;
    if (readn(fd, buf, SIZE) != SIZE) die("short request");
    if (ops++ == 0) t0 = now(), c0 = cputime();
    stop = now() - t0 >= secs;
    if (stop) buf[0] = '!';
    writen(fd, buf, SIZE);
    if (stop) break;
  }
  printf("ops=%ld secs=%.6f cpu=%.6f\n", ops, now() - t0, cputime() - c0);
  return 0;
}

static int connectunix(const char *path) {
  struct sockaddr_un a;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd == -1) die("socket");
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) == -1) die("connect");
  return fd;
}

static int client(int isunix, const char *where) {
  int fd = isunix ? connectunix(where) : connectto(SOCK_STREAM, atoi(where));
  char msg[SIZE], buf[SIZE];
  long ops = 0;
  double c0 = cputime();
  memset(msg, 'q', sizeof msg);
  rcvtimeo(fd, 5);
  if (!isunix) nodelay(fd);
  while (ops < MAXOPS) {
    writen(fd, msg, SIZE);
    if (readn(fd, buf, SIZE) != SIZE) die("short reply");
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
  int isunix = argc > 2 && strcmp(argv[2], "unix") == 0;
  if (argc > 2 && strcmp(argv[1], "server") == 0)
    return server(isunix, argnum(argc, argv, 3, "seconds"));
  if (argc > 3 && strcmp(argv[1], "client") == 0)
    return client(isunix, argv[3]);
  fprintf(stderr, "usage: rr server tcp|unix SECONDS | client tcp|unix "
          "PORT|PATH\n");
  return 2;
}
