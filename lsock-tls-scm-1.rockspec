rockspec_format = "3.0"
package = "lsock-tls"
version = "scm-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "lsock.tls: TLS over lsock sockets with OpenSSL 3",
  detailed = [[
    Verified by default (system store, hostname checks), SNI, ALPN, client
    certificates, non-blocking handshakes; in streams, servers and the
    loop.  Its own shared object, so that lsock itself needs no OpenSSL.
  ]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4",
  "lsock",
}
external_dependencies = {
  OPENSSL = { header = "openssl/ssl.h" },
}
build = {
  type = "builtin",
  modules = {
    ["lsock.tls"] = {
      sources = {
        "csrc/tls/bio.c",
        "csrc/tls/cert.c",
        "csrc/tls/conn.c",
        "csrc/tls/context.c",
        "csrc/tls/tls.c",
      },
      libraries = { "ssl", "crypto" },
      incdirs = { "$(OPENSSL_INCDIR)" },
      libdirs = { "$(OPENSSL_LIBDIR)" },
    },
  },
}
