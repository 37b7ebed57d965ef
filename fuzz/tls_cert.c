/*
** libFuzzer harness for what lsock.tls reads itself (make fuzz-tls): the
** fields of a certificate as conn:peercert() gives them (names, SAN
** entries of every kind and length, validity times, serial, fingerprint,
** PEM), from DER bytes OpenSSL accepted.  Parsing the DER is OpenSSL's
** own code; the walk over what it found is lsock's (csrc/tls/cert.c).
** The first corpus entries are made by `make fuzz-tls` from openssl req.
*/
#include <stddef.h>
#include <stdint.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "../csrc/tls/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *L;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const unsigned char *p = data;
  X509 *x;
  if (L == NULL) L = luaL_newstate();
  x = d2i_X509(NULL, &p, (long)size);
  if (x != NULL) {
    tlsI_pushcert(L, x);
    lua_settop(L, 0);
    X509_free(x);
  }
  ERR_clear_error();
  return 0;
}
