/*
** lsock.checksum: the internet checksum of RFC 1071, what ICMP, IP, UDP
** and TCP headers carry.  Raw sockets (socket("inet", "raw", "icmp"))
** need nothing else from C: the program builds its packets with
** string.pack and fills in this value.
*/
#include "compat.h"

#include <stdint.h>

#include "lsock.h"

/* The ones' complement of the ones' complement sum of the 16-bit
** big-endian words of p (an odd last byte is padded with zero). */
static uint16_t inetsum(const unsigned char *p, size_t n) {
  uint64_t acc = 0;
  size_t i;
  for (i = 0; i + 1 < n; i += 2)
    acc += (uint32_t)p[i] << 8 | p[i + 1];
  if (n & 1) acc += (uint32_t)p[n - 1] << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return (uint16_t)~acc;
}

/* lsock.checksum(data) -> integer 0..65535, to be stored in network
** order (string.pack(">I2", sum)).  A packet that already holds its
** checksum sums to 0.  For UDP or TCP, checksum the pseudo-header and
** the segment concatenated. */
static int lsock_checksum(lua_State *L) {
  size_t n;
  const char *p = luaL_checklstring(L, 1, &n);
  lua_pushinteger(L, inetsum((const unsigned char *)p, n));
  return 1;
}

static const luaL_Reg funcs[] = {
  {"checksum", lsock_checksum},
  {NULL, NULL}
};

/* Called with the module table on top. */
void lsockI_open_checksum(lua_State *L) {
  luaL_setfuncs(L, funcs, 0);
}
