/*
** The C baseline of bench/lines.py: connect to 127.0.0.1:PORT, read lines
** with fgets on fdopen until end of stream, print "lines bytes cpu".
** Lines are shorter than the buffer, so each fgets returns one line.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

int main(int argc, char **argv) {
  struct sockaddr_in sin;
  char line[1024];
  long lines = 0, bytes = 0;
  FILE *f;
  int fd;
  if (argc < 2) {
    fprintf(stderr, "usage: lines_fgets PORT\n");
    return 2;
  }
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)atoi(argv[1]));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd == -1 || connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
    perror("connect");
    return 1;
  }
  f = fdopen(fd, "r");
  if (f == NULL) {
    perror("fdopen");
    return 1;
  }
  while (fgets(line, sizeof line, f) != NULL) {
    lines++;
    bytes += (long)strlen(line);
  }
  printf("%ld %ld %.6f\n", lines, bytes, (double)clock() / CLOCKS_PER_SEC);
  fclose(f);
  return 0;
}
