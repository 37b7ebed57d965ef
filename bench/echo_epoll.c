/*
** The reference echo server of the benchmark: plain C, one thread,
** level-triggered epoll; each readable connection is read once and what
** was read is written back (blocking briefly in the rare case the socket
** buffer is full).  Prints its address first, like the Lua servers.
** usage: echo_epoll [port]
*/
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXEV 4096

static int writeall(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pfd = {fd, POLLOUT, 0};
        poll(&pfd, 1, 1000);
        continue;
      }
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char **argv) {
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  struct epoll_event ev, evs[MAXEV];
  char buf[65536];
  int one = 1, ep, lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)(argc > 1 ? atoi(argv[1]) : 0));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0
      || listen(lfd, SOMAXCONN) < 0) {
    perror("listen");
    return 1;
  }
  getsockname(lfd, (struct sockaddr *)&sa, &len);
  printf("127.0.0.1:%d\n", ntohs(sa.sin_port));
  fflush(stdout);
  ep = epoll_create1(0);
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  for (;;) {
    int n = epoll_wait(ep, evs, MAXEV, -1), i;
    if (n < 0 && errno != EINTR) return 1;
    for (i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == lfd) {
        int c;
        while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          ev.events = EPOLLIN;
          ev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
      }
      else {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r > 0) {
          if (writeall(fd, buf, (size_t)r) < 0) close(fd);
        }
        else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          close(fd);
        }
      }
    }
  }
}
