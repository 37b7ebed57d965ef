/*
** The wait engine: the one place where a call of lsock waits for a
** descriptor.  One idea: a call tries the system call first and waits only
** after EAGAIN, in poll(), for what is left of its deadline (a value,
** LsockDeadline, started by the first wait), so a ready socket costs one
** system call and a call that never waits never reads the clock.
*/
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <time.h>
#include <sys/time.h>

#include "lsock.h"

#define isagain(e)  ((e) == EAGAIN || (e) == EWOULDBLOCK)

double lsockI_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void start(LsockDeadline *d) {
  if (d->started) return;
  d->started = 1;
  if (d->timeout >= 0) d->at = lsockI_now() + d->timeout;
}

/* The one seconds-to-milliseconds conversion of the library. */
int lsockI_msleft(LsockDeadline *d) {
  double left;
  start(d);
  if (d->timeout < 0) return -1;
  left = d->at - lsockI_now();
  if (left <= 0) return 0;
  return left > INT_MAX / 1000 ? INT_MAX : (int)(left * 1000.0 + 0.999);
}

int lsockI_waitfd(int fd, int events, LsockDeadline *d) {
  struct pollfd pfd;
  pfd.fd = fd;
  pfd.events = (short)events;
  for (;;) {
    int ms = lsockI_msleft(d), r;
    if (ms == 0 && d->timeout >= 0) return ETIMEDOUT;
    r = poll(&pfd, 1, ms);
    if (r > 0) return 0;
    if (r == -1 && errno != EINTR) return errno;
  }
}

/* A blocking socket said EAGAIN: either its SO_RCVTIMEO/SO_SNDTIMEO ran
** out (report that), or a dup of it was made non-blocking, which sets
** O_NONBLOCK on the open file they share: it still blocks, and then the
** kernel's own SO_RCVTIMEO/SO_SNDTIMEO still bounds it. */
static int waitblocking(Sock *s, int err, int events, LsockDeadline *d) {
  int fl = fcntl(s->fd, F_GETFL);
  if (fl == -1 || !(fl & O_NONBLOCK)) return err;
  if (!d->started) {
    struct timeval tv = {0, 0};
    socklen_t len = sizeof tv;
    getsockopt(s->fd, SOL_SOCKET, events == POLLOUT ? SO_SNDTIMEO
               : SO_RCVTIMEO, &tv, &len);
    d->timeout = (tv.tv_sec || tv.tv_usec)
                 ? (double)tv.tv_sec + (double)tv.tv_usec * 1e-6 : -1;
  }
  err = lsockI_waitfd(s->fd, events, d);
  return err == ETIMEDOUT ? EAGAIN : err;
}

/* After an EAGAIN: may this call wait, and until when?  Returns 0 to
** retry, or the error to report (the would-block errno itself when the
** socket is non-blocking or the caller said "dontwait"). */
int lsockI_waitretry(Sock *s, int err, int events, int flags,
                     LsockDeadline *d) {
  if (!isagain(err) || s->timeout == 0 || (flags & MSG_DONTWAIT)) return err;
  if (s->timeout < 0) return waitblocking(s, err, events, d);
  return lsockI_waitfd(s->fd, events, d);
}

/* MSG_WAITALL does nothing on an O_NONBLOCK descriptor, which is what a
** socket with a timeout has: finish the stream read here, until the
** buffer is full, the peer shuts down, an error or the deadline.  What
** came is the result, as C's MSG_WAITALL gives it after SO_RCVTIMEO. */
size_t lsockI_waitall(Sock *s, char *p, size_t got, size_t size, int flags,
                      LsockDeadline *d) {
  flags &= ~MSG_WAITALL;
  while (got < size) {
    ssize_t n = recv(s->fd, p + got, size - got, lsockI_sysflags(s, flags));
    if (n > 0) got += (size_t)n;
    else if (n == 0) break;
    else if (errno != EINTR
             && lsockI_waitretry(s, errno, POLLIN, flags, d) != 0)
      break;
  }
  return got;
}

/* accept, connect and sendfile have no per-call MSG_DONTWAIT: for them a
** socket with a timeout asserts O_NONBLOCK on the shared open file before
** the call (one fcntl when it is already set).  A blocking dup copes with
** the flag: its EAGAIN waits in waitblocking above. */
int lsockI_nonblocking(const Sock *s) {
  int fl;
  if (s->timeout < 0) return 0;
  fl = fcntl(s->fd, F_GETFL);
  if (fl == -1) return errno;
  if (fl & O_NONBLOCK) return 0;
  return fcntl(s->fd, F_SETFL, fl | O_NONBLOCK) == -1 ? errno : 0;
}
