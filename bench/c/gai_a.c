/*
** The plain-C side of bench/loop_names.lua: N lookups of hK.slow.test with
** glibc's getaddrinfo_a, CONC at a time (GAI_NOWAIT, then gai_suspend),
** against whatever resolver /etc/resolv.conf names (the bench runs it in
** a namespace of its own with spec/slowdns.py).  Prints "N seconds".
** usage: gai_a N CONC
*/
#include "common.h"

#include <netdb.h>

#define MAXCONC 256

int main(int argc, char **argv) {
  static struct gaicb cbs[MAXCONC];
  static struct gaicb *list[MAXCONC];
  static struct addrinfo hints;
  static char names[MAXCONC][64];
  long n = argc > 1 ? atol(argv[1]) : 1000, done = 0, next = 0, i;
  long conc = argc > 2 ? atol(argv[2]) : 64;
  double t0;
  if (n < 1 || n > MAXOPS || conc < 1 || conc > MAXCONC) {
    fprintf(stderr, "usage: gai_a N CONC (CONC <= %d)\n", MAXCONC);
    return 2;
  }
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  t0 = now();
  while (done < n) {
    long batch = 0;
    for (i = 0; i < conc && next < n; i++, next++, batch++) {
      snprintf(names[i], sizeof names[i], "h%ld.slow.test", next % 250 + 1);
      memset(&cbs[i], 0, sizeof cbs[i]);
      cbs[i].ar_name = names[i];
      cbs[i].ar_request = &hints;
      list[i] = &cbs[i];
    }
    if (getaddrinfo_a(GAI_WAIT, list, (int)batch, NULL) != 0) {
      fprintf(stderr, "getaddrinfo_a failed\n");
      return 1;
    }
    for (i = 0; i < batch; i++) {
      if (gai_error(&cbs[i]) != 0) {
        fprintf(stderr, "lookup %s: %s\n", names[i], gai_strerror(gai_error(&cbs[i])));
        return 1;
      }
      freeaddrinfo(cbs[i].ar_result);
    }
    done += batch;
  }
  printf("%ld %.6f\n", n, now() - t0);
  return 0;
}
