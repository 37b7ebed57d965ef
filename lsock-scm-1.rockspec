rockspec_format = "3.0"
package = "lsock"
version = "scm-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "The whole BSD socket API for Lua 5.4",
  detailed = [[
    socket, bind, listen, accept, connect, send/recv, sendto/recvfrom,
    select/poll, setsockopt/getsockopt, getaddrinfo and friends as userdata
    methods, with a Lua layer of TCP/UDP/unix clients and servers.
  ]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4",
}
build = {
  type = "builtin",
  modules = {
    ["lsock.core"] = {
      sources = {
        "csrc/addr.c",
        "csrc/args.c",
        "csrc/checksum.c",
        "csrc/cmsg.c",
        "csrc/compatobj.c",
        "csrc/core.c",
        "csrc/gaipool.c",
        "csrc/ifaddrs.c",
        "csrc/link.c",
        "csrc/mcastopt.c",
        "csrc/msg.c",
        "csrc/names.c",
        "csrc/options.c",
        "csrc/poll.c",
        "csrc/proc.c",
        "csrc/sendfile.c",
        "csrc/sigio.c",
        "csrc/socket.c",
        "csrc/stream.c",
        "csrc/wait.c",
      },
      libraries = { "pthread" },
    },
    ["lsock"] = "lua/lsock/init.lua",
    ["lsock.compat"] = "lua/lsock/compat.lua",
    ["lsock.compat_dns"] = "lua/lsock/compat_dns.lua",
    ["lsock.compat_opts"] = "lua/lsock/compat_opts.lua",
    ["lsock.compat_select"] = "lua/lsock/compat_select.lua",
    ["lsock.docindex"] = "lua/lsock/docindex.lua",
    ["lsock.help"] = "lua/lsock/help.lua",
    ["lsock.loop"] = "lua/lsock/loop.lua",
    ["lsock.multicast"] = "lua/lsock/multicast.lua",
    ["lsock.netlink"] = "lua/lsock/netlink.lua",
    ["lsock.server"] = "lua/lsock/server.lua",
    ["lsock.stream"] = "lua/lsock/stream.lua",
    ["lsock.tcp"] = "lua/lsock/tcp.lua",
    ["lsock.tlsconnect"] = "lua/lsock/tlsconnect.lua",
    ["lsock.tlsloop"] = "lua/lsock/tlsloop.lua",
    ["lsock.udp"] = "lua/lsock/udp.lua",
    ["lsock.unix"] = "lua/lsock/unix.lua",
    ["lsock.util"] = "lua/lsock/util.lua",
    ["lsock.waitfor"] = "lua/lsock/waitfor.lua",
  },
}
