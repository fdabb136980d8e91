"""The external repositories sanstls needs, for sanstls's own WORKSPACE and for a project that uses it.

A consumer's WORKSPACE needs three statements (see docs/embedding.md):

    local_repository(name = "sanstls", path = "/path/to/sanstls")   # or http_archive
    load("@sanstls//:deps.bzl", "sanstls_dependencies")
    sanstls_dependencies()

Everything here is offline: Debian's Bazel 4.2.3 would download rules_cc, rules_java and
remote_coverage_tools, so they are served from the small stand-ins in sanstls's third_party/; the C
libraries are Debian's, in /usr. A repository the WORKSPACE already declared is left as it is (declare
yours before the call to use another version).
"""

def _vendored_repository_impl(rctx):
    # rctx.path() of a label finds sanstls's source tree wherever it is: the main workspace or
    # external/sanstls of another project. local_repository(path = ...) cannot: a relative path there
    # is relative to the main workspace.
    third_party = rctx.path(rctx.attr._third_party_marker).dirname
    src = third_party.get_child(rctx.attr.directory)
    for child in src.readdir():
        rctx.symlink(child, child.basename)

_vendored_repository = repository_rule(
    implementation = _vendored_repository_impl,
    attrs = {
        "directory": attr.string(mandatory = True),
        "_third_party_marker": attr.label(default = Label("//third_party:BUILD.bazel")),
    },
    local = True,
)

def _maybe(rule, name, **kwargs):
    if not native.existing_rule(name):
        rule(name = name, **kwargs)

def _system_library(name, path, build_file):
    _maybe(
        native.new_local_repository,
        name = name,
        path = path,
        build_file = str(Label("//third_party/system:" + build_file)),
    )

def sanstls_dependencies():
    """The repositories that the library (@sanstls//:sanstls) needs."""

    # Offline stand-ins for what Bazel 4.2.3 would fetch from the network.
    _maybe(_vendored_repository, name = "rules_cc", directory = "rules_cc")
    _maybe(_vendored_repository, name = "rules_java", directory = "rules_java")
    _maybe(_vendored_repository, name = "remote_coverage_tools", directory = "remote_coverage_tools")

    # Debian's libmbedtls-dev (2.28): the default crypto provider.
    _system_library("mbedtls", "/usr", "BUILD.mbedtls")

    # Debian's libssl-dev (OpenSSL 3): the libcrypto provider (--define=crypto=libcrypto or
    # @sanstls//crypto:libcrypto); only fetched when a target uses it.
    _system_library("openssl", "/usr", "BUILD.openssl")

def sanstls_dev_dependencies():
    """What sanstls's own tests, tools and examples need in addition (doctest, libpcap, libuv)."""

    # Debian's doctest-dev: the tests.
    _system_library("doctest", "/usr/include/doctest", "BUILD.doctest")

    # Debian's libpcap-dev: tls_replay -pcap reads packet captures with it.
    _system_library("libpcap", "/usr", "BUILD.libpcap")

    # Debian's libuv1-dev: the libuv example (tools/examples/uv_echo_server.cc).
    _system_library("libuv", "/usr", "BUILD.libuv")
