/*
** UDP receive cost: the driver, the sender and the C reference receiver.
**
**   udp_bench run [-n count] [-c cpu] [-r runs] -- receiver argv...
**   udp_bench recv | recv1    (the C receivers: recvmmsg, recvfrom)
**
** run: for each run it starts the receiver pinned to 'cpu'; the receiver
** binds 127.0.0.1:0, prints "port N", receives until 0.2 s pass without
** a datagram, prints "received M" and exits.  A sender process pinned to
** the same cpu blasts 'count' 64-byte datagrams at it with sendmmsg.  The
** receiver's CPU time (user + system) comes from wait4's rusage; the same
** receiver given a single datagram measures its start-up and exit, which
** is subtracted.  Prints the median, min and max per datagram received
** (and datagrams per call, for receivers that print "batches N").
*/
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#define BATCH 64
#define DGRAM 64
#define MAXRUNS 64
/* Every receiver asks for this receive buffer (net.core.rmem_max allows
** 4 MiB here): the queue then holds thousands of datagrams, so the cost
** of switching between sender and receiver is spread over many. */
#define RCVBUF (4 << 20)

static void die(const char *what) {
  perror(what);
  exit(2);
}

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) == -1) die("sched_setaffinity");
}

/* SCHED_BATCH: a woken receiver does not preempt the sender, so it runs
** when the sender's time slice ends and finds a full queue, instead of
** being woken for every datagram (which measures context switches). */
static void batchsched(void) {
  struct sched_param sp;
  memset(&sp, 0, sizeof sp);
  if (sched_setscheduler(0, SCHED_BATCH, &sp) == -1)
    die("sched_setscheduler");
}

/* The C references: recvmmsg batches of 64 x 1500 bytes, as lsock's,
** or (single) one recvfrom per datagram, as a plain loop does. */
static int recvmain(int single) {
  static char bufs[BATCH][1500];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in names[BATCH], me;
  struct timeval tv = {0, 200000};
  socklen_t len = sizeof me;
  int rcvbuf = RCVBUF;
  long total = 0, calls = 0;
  int fd = socket(AF_INET, SOCK_DGRAM, 0), i;
  memset(&me, 0, sizeof me);
  me.sin_family = AF_INET;
  me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd == -1 || bind(fd, (struct sockaddr *)&me, sizeof me) == -1)
    die("bind");
  getsockname(fd, (struct sockaddr *)&me, &len);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  printf("port %d\n", ntohs(me.sin_port));
  fflush(stdout);
  for (;;) {
    int n;
    for (i = 0; i < BATCH; i++) {
      iov[i].iov_base = bufs[i];
      iov[i].iov_len = sizeof bufs[i];
      memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
      msgs[i].msg_hdr.msg_name = &names[i];
      msgs[i].msg_hdr.msg_namelen = sizeof names[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    if (single) {
      socklen_t alen = sizeof names[0];
      ssize_t r = recvfrom(fd, bufs[0], sizeof bufs[0], 0,
                           (struct sockaddr *)&names[0], &alen);
      n = r < 0 ? -1 : 1;
    } else n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
    if (n == -1 && errno == EINTR) continue;
    if (n == -1) break;  /* EAGAIN: 0.2 s without a datagram */
    total += n;
    calls++;
  }
  printf("received %ld\n", total);
  printf("batches %ld\n", calls);
  return 0;
}

static void sendmain(int port, long count) {
  static char payload[DGRAM];
  struct mmsghdr msgs[BATCH];
  struct iovec iov;
  struct sockaddr_in to;
  int fd = socket(AF_INET, SOCK_DGRAM, 0), i;
  long sent = 0;
  memset(payload, 'x', sizeof payload);
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short)port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  iov.iov_base = payload;
  iov.iov_len = sizeof payload;
  memset(msgs, 0, sizeof msgs);
  for (i = 0; i < BATCH; i++) {
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  while (sent < count) {
    int n = (int)(count - sent < BATCH ? count - sent : BATCH);
    n = sendmmsg(fd, msgs, (unsigned)n, 0);
    if (n == -1 && errno != EINTR && errno != ENOBUFS && errno != EAGAIN)
      die("sendmmsg");
    if (n > 0) sent += n;
  }
}

/* One run: CPU seconds of the receiver, datagrams it received. */
static void runone(char **argv, int cpu, long count, double *cpus,
                   long *got, long *batches) {
  int p[2], port = 0, status;
  pid_t rpid, spid;
  struct rusage ru;
  FILE *in;
  char line[128];
  if (pipe(p) == -1) die("pipe");
  if ((rpid = fork()) == 0) {
    pin(cpu);
    batchsched();
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    execvp(argv[0], argv);
    die("execvp");
  }
  close(p[1]);
  in = fdopen(p[0], "r");
  while (fgets(line, sizeof line, in))
    if (sscanf(line, "port %d", &port) == 1) break;
  if (port == 0) {
    fprintf(stderr, "receiver printed no port\n");
    exit(2);
  }
  if ((spid = fork()) == 0) {
    pin(cpu);
    sendmain(port, count);
    _exit(0);
  }
  waitpid(spid, &status, 0);
  *got = -1;
  *batches = 0;
  while (fgets(line, sizeof line, in)) {
    sscanf(line, "received %ld", got);
    sscanf(line, "batches %ld", batches);
  }
  fclose(in);
  if (wait4(rpid, &status, 0, &ru) == -1) die("wait4");
  if (*got < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "receiver failed\n");
    exit(2);
  }
  *cpus = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6
          + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int runmain(int argc, char **argv) {
  long count = 1000000;
  int cpu = 1, runs = 5, i;
  double base[MAXRUNS], per[MAXRUNS], frac[MAXRUNS], avg[MAXRUNS], b;
  for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (i + 1 >= argc) break;
    if (strcmp(argv[i], "-n") == 0) count = atol(argv[++i]);
    else if (strcmp(argv[i], "-c") == 0) cpu = atoi(argv[++i]);
    else if (strcmp(argv[i], "-r") == 0) runs = atoi(argv[++i]);
  }
  if (i >= argc - 1 || runs < 1 || runs > MAXRUNS) {
    fprintf(stderr, "usage: udp_bench run [-n count] [-c cpu] [-r runs] "
                    "-- receiver argv...\n");
    return 2;
  }
  argv += i + 1;
  for (i = 0; i < runs; i++) {
    long got, batches;
    runone(argv, cpu, 1, &base[i], &got, &batches);
  }
  b = median(base, runs);
  for (i = 0; i < runs; i++) {
    double c;
    long got, batches;
    runone(argv, cpu, count, &c, &got, &batches);
    per[i] = (c - b) / (double)got * 1e9;
    frac[i] = (double)got / (double)count;
    avg[i] = batches > 0 ? (double)got / (double)batches : 1;
  }
  {
    double med = median(per, runs), fr = median(frac, runs);
    printf("%.0f ns/datagram (min %.0f, max %.0f; start-up %.1f ms; "
           "%.0f%% of %ld received; %.1f per call)\n", med, per[0],
           per[runs - 1], b * 1e3, fr * 100, count, median(avg, runs));
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "recv") == 0) return recvmain(0);
  if (argc >= 2 && strcmp(argv[1], "recv1") == 0) return recvmain(1);
  if (argc >= 2 && strcmp(argv[1], "run") == 0) return runmain(argc, argv);
  fprintf(stderr, "usage: udp_bench run ... | udp_bench recv | recv1\n");
  return 2;
}
