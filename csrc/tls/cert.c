/*
** OpenSSL's errors and certificates as Lua values.  An error is
** nil, "<what>: <OpenSSL's reason>", code, where code is OpenSSL's packed
** error code (`openssl errstr` decodes it), or the errno of a system
** error (a missing file); a certificate is a table of
** its fields, with validity as Unix times and the PEM text.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/proverr.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* The queue's earliest entry that says more than "the callback gave no
** password" (a key needing one is then "bad password read"). */
static unsigned long firsterror(void) {
  unsigned long e, first = ERR_peek_error();
  int i;
  for (i = 0; (e = ERR_peek_error()) != 0 && i < 16; i++) {
    int lib = ERR_GET_LIB(e), reason = ERR_GET_REASON(e);
    if (!(reason == ERR_R_INTERRUPTED_OR_CANCELLED
          || (lib == ERR_LIB_PROV && reason == PROV_R_UNABLE_TO_GET_PASSPHRASE)))
      return e;
    ERR_get_error();
  }
  return first;
}

/* nil, msg, code from OpenSSL's error queue (its earliest entry: the
** cause; the later ones only say who passed it up), which is emptied.
** what (may be NULL) prefixes the message. */
int tlsI_pusherror(lua_State *L, const char *what) {
  unsigned long e = firsterror();
  const char *reason = e ? ERR_reason_error_string(e) : NULL;
  char buf[256];
  if (e && ERR_SYSTEM_ERROR(e))
    reason = strerror(ERR_GET_REASON(e));
  else if (e && reason == NULL) {
    ERR_error_string_n(e, buf, sizeof buf);
    reason = buf;
  }
  ERR_clear_error();
  luaL_pushfail(L);
  if (what && reason) lua_pushfstring(L, "%s: %s", what, reason);
  else lua_pushstring(L, what ? what : reason ? reason : "TLS error");
  /* A system error's code is its errno. */
  lua_pushinteger(L, e == 0 ? EPROTO : ERR_SYSTEM_ERROR(e)
                  ? (lua_Integer)ERR_GET_REASON(e) : (lua_Integer)e);
  return 3;
}

/* nil, "certificate verify failed: <reason>", code for a verify result. */
int tlsI_pushverify(lua_State *L, long result) {
  unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  luaL_pushfail(L);
  lua_pushfstring(L, "certificate verify failed: %s",
                  X509_verify_cert_error_string(result));
  lua_pushinteger(L, e ? (lua_Integer)e : EPROTO);
  return 3;
}

/* Pushes what the memory BIO b holds (and frees it). */
static void pushbio(lua_State *L, BIO *b) {
  char *p = NULL;
  long n = b ? BIO_get_mem_data(b, &p) : 0;
  lua_pushlstring(L, p ? p : "", n > 0 ? (size_t)n : 0);
  BIO_free(b);
}

static void pushname(lua_State *L, const X509_NAME *name) {
  BIO *b = BIO_new(BIO_s_mem());
  if (b) X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  pushbio(L, b);
}

static void pushtime(lua_State *L, const ASN1_TIME *t) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  if (t && ASN1_TIME_to_tm(t, &tm)) lua_pushinteger(L, (lua_Integer)timegm(&tm));
  else lua_pushnil(L);
}

/* san: an array of "DNS:name", "IP:address", "email:...", "URI:...". */
static void pushsan(lua_State *L, X509 *x) {
  GENERAL_NAMES *gens = (GENERAL_NAMES *)X509_get_ext_d2i(
      x, NID_subject_alt_name, NULL, NULL);
  int i, n = 0;
  lua_newtable(L);
  for (i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
    const char *prefix = NULL;
    const ASN1_STRING *s = NULL;
    switch (g->type) {
      case GEN_DNS: prefix = "DNS:"; s = g->d.dNSName; break;
      case GEN_EMAIL: prefix = "email:"; s = g->d.rfc822Name; break;
      case GEN_URI: prefix = "URI:"; s = g->d.uniformResourceIdentifier; break;
      case GEN_IPADD: {
        const ASN1_OCTET_STRING *o = g->d.iPAddress;
        char txt[INET6_ADDRSTRLEN + 3] = "IP:";
        int fam = o->length == 4 ? AF_INET : o->length == 16 ? AF_INET6 : 0;
        if (!fam || !inet_ntop(fam, o->data, txt + 3, INET6_ADDRSTRLEN))
          continue;
        lua_pushstring(L, txt);
        lua_rawseti(L, -2, ++n);
        continue;
      }
      default: continue;
    }
    lua_pushstring(L, prefix);
    lua_pushlstring(L, (const char *)ASN1_STRING_get0_data(s),
                    (size_t)ASN1_STRING_length(s));
    lua_concat(L, 2);
    lua_rawseti(L, -2, ++n);
  }
  GENERAL_NAMES_free(gens);
}

/* {subject=, issuer=, san=, notbefore=, notafter=, serial=, sha256=,
** pem=} of x. */
void tlsI_pushcert(lua_State *L, X509 *x) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0, i;
  BIGNUM *bn;
  char hex[2 * EVP_MAX_MD_SIZE + 1];
  BIO *b;
  lua_createtable(L, 0, 8);
  pushname(L, X509_get_subject_name(x));
  lua_setfield(L, -2, "subject");
  pushname(L, X509_get_issuer_name(x));
  lua_setfield(L, -2, "issuer");
  pushsan(L, x);
  lua_setfield(L, -2, "san");
  pushtime(L, X509_get0_notBefore(x));
  lua_setfield(L, -2, "notbefore");
  pushtime(L, X509_get0_notAfter(x));
  lua_setfield(L, -2, "notafter");
  bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
  if (bn) {
    char *s = BN_bn2hex(bn);
    if (s) lua_pushstring(L, s);
    else lua_pushnil(L);
    OPENSSL_free(s);
    BN_free(bn);
    lua_setfield(L, -2, "serial");
  }
  if (X509_digest(x, EVP_sha256(), md, &mdlen)) {
    for (i = 0; i < mdlen; i++)
      snprintf(hex + 2 * i, 3, "%02x", md[i]);
    lua_pushlstring(L, hex, 2 * (size_t)mdlen);
    lua_setfield(L, -2, "sha256");
  }
  b = BIO_new(BIO_s_mem());
  if (b) PEM_write_bio_X509(b, x);
  pushbio(L, b);
  lua_setfield(L, -2, "pem");
  ERR_clear_error();
}
