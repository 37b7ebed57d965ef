/*
** Load generator for the echo-server benchmark: C connections to one
** server, each sending a message and waiting for its echo before sending
** the next (request/response), all driven by one epoll loop.  Every byte
** that comes back is checked against what was sent; round trips are
** counted over a timed window after a warm-up.
** usage: loadgen host port conns seconds [msgsize [warmup]]
** prints: conns=C rtt_per_s=R round_trips=N bad_bytes=B closed=K idle=I
** (exit status 1 if any byte was wrong, any connection closed or idle)
*/
#define _GNU_SOURCE
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

#define MAXMSG 4096

typedef struct Conn {
  int fd;
  unsigned long long seq;   /* messages sent */
  size_t got;               /* bytes of the echo received so far */
  char msg[MAXMSG];         /* the message in flight */
} Conn;

static size_t msgsize = 64;
static unsigned long long bad = 0, closed = 0;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A message unique to the connection and sequence number. */
static void fill(Conn *c, int id) {
  size_t i;
  unsigned long long x = ((unsigned long long)id << 32) ^ c->seq;
  for (i = 0; i < msgsize; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    c->msg[i] = (char)(x >> 56);
  }
}

static int sendmsgall(Conn *c) {
  size_t off = 0;
  while (off < msgsize) {
    ssize_t n = send(c->fd, c->msg + off, msgsize - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {  /* tiny messages: never more than a moment */
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
        continue;
      }
      return -1;
    }
    off += (size_t)n;
  }
  return 0;
}

int main(int argc, char **argv) {
  struct sockaddr_in sa;
  int nconns, ep, i, idle = 0;
  double seconds, warmup = 1.0, t0, tstart = 0, tend;
  unsigned long long counted = 0, total = 0;
  Conn *conns;
  struct epoll_event *evs;
  char buf[MAXMSG];
  if (argc < 5) {
    fprintf(stderr, "usage: loadgen host port conns seconds [msgsize [warmup]]\n");
    return 2;
  }
  nconns = atoi(argv[3]);
  seconds = atof(argv[4]);
  if (argc > 5) msgsize = (size_t)atoi(argv[5]);
  if (argc > 6) warmup = atof(argv[6]);
  if (msgsize < 1 || msgsize > MAXMSG || nconns < 1) return 2;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) return 2;
  conns = calloc((size_t)nconns, sizeof *conns);
  evs = calloc((size_t)nconns, sizeof *evs);
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (!conns || !evs || ep < 0) { perror("setup"); return 1; }
  /* Blocking connects: the kernel finishes each handshake from the
  ** backlog, so the server need not keep up with the connecting. */
  for (i = 0; i < nconns; i++) {
    struct epoll_event ev;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
      fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
      return 1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    conns[i].fd = fd;
    ev.events = EPOLLIN;
    ev.data.u32 = (unsigned)i;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  t0 = now();
  for (i = 0; i < nconns; i++) {
    fill(&conns[i], i);
    if (sendmsgall(&conns[i]) < 0) { perror("send"); return 1; }
  }
  tend = t0 + warmup + seconds;
  while (now() < tend) {
    int n = epoll_wait(ep, evs, nconns, 100), k;
    if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
    if (!tstart && now() >= t0 + warmup) {
      tstart = now();
      counted = total;
    }
    for (k = 0; k < n; k++) {
      Conn *c = &conns[evs[k].data.u32];
      ssize_t r = recv(c->fd, buf, sizeof buf, 0);
      if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        closed++;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        continue;
      }
      if (c->got + (size_t)r > msgsize
          || memcmp(buf, c->msg + c->got, (size_t)r) != 0)
        bad += (unsigned long long)r;
      c->got += (size_t)r;
      if (c->got >= msgsize) {
        c->got = 0;
        c->seq++;
        total++;
        fill(c, (int)evs[k].data.u32);
        if (sendmsgall(c) < 0) closed++;
      }
    }
  }
  if (!tstart) tstart = tend;
  /* Every connection must have had at least one echo back. */
  for (i = 0; i < nconns; i++)
    if (conns[i].seq == 0) idle++;
  printf("conns=%d rtt_per_s=%.0f round_trips=%llu bad_bytes=%llu "
         "closed=%llu idle=%d\n", nconns,
         (double)(total - counted) / (now() - tstart), total - counted,
         bad, closed, idle);
  return bad || closed || idle ? 1 : 0;
}
