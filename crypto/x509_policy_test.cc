// Tests of the provider-neutral X.509 name policy (crypto/x509_policy.h) on plain data.
#include "crypto/x509_policy.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace sanstls {
namespace crypto {
namespace x509_policy {
namespace {

LeafNames san(std::vector<std::string> dns, std::vector<Bytes> ips = {}) {
  LeafNames n;
  n.has_san = true;
  n.dns = std::move(dns);
  n.ips = std::move(ips);
  n.cns = {"localhost"};
  return n;
}

LeafNames cn_only(std::string cn) {
  LeafNames n;
  n.cns = {std::move(cn)};
  return n;
}

NameConstraints permitted_dns(std::vector<std::string> bases) {
  NameConstraints nc;
  for (const std::string& b : bases) REQUIRE(add_dns_subtree(b, &nc.permitted_dns));
  return nc;
}

NameConstraints excluded_dns(std::vector<std::string> bases) {
  NameConstraints nc;
  for (const std::string& b : bases) REQUIRE(add_dns_subtree(b, &nc.excluded_dns));
  return nc;
}

IpSubtree ip_subtree(const std::string& hex_octets) {
  std::vector<IpSubtree> list;
  REQUIRE(add_ip_subtree(hex(hex_octets), &list));
  return list.at(0);
}

TEST_CASE("normalize_dns_name and parse_ip_address") {
  std::string out;
  CHECK(normalize_dns_name("WWW.Example.Test.", &out));
  CHECK(out == "www.example.test");
  CHECK_FALSE(normalize_dns_name("", &out));
  CHECK_FALSE(normalize_dns_name(".", &out));
  CHECK_FALSE(normalize_dns_name("a..b", &out));
  CHECK_FALSE(normalize_dns_name(".a.b", &out));
  CHECK_FALSE(normalize_dns_name("*.example.test", &out));
  CHECK_FALSE(normalize_dns_name(std::string("a\0b", 3), &out));
  CHECK_FALSE(normalize_dns_name(std::string(64, 'a') + ".test", &out));
  CHECK(normalize_dns_name(std::string(63, 'a') + ".test", &out));
  Bytes ip;
  CHECK(parse_ip_address("127.0.0.1", &ip));
  CHECK(ip == hex("7f000001"));
  CHECK(parse_ip_address("::1", &ip));
  CHECK(ip == hex("00000000000000000000000000000001"));
  CHECK_FALSE(parse_ip_address("localhost", &ip));
  CHECK_FALSE(parse_ip_address("127.0.0.1.", &ip));
  CHECK_FALSE(parse_ip_address(std::string("127.0.0.1\0x", 11), &ip));
}

TEST_CASE("matches_name: subjectAltName entries, wildcards") {
  const LeafNames n = san({"localhost", "*.example.test"}, {hex("7f000001")});
  CHECK(matches_name(n, "localhost"));
  CHECK(matches_name(n, "LOCALHOST."));
  CHECK(matches_name(n, "a.example.test"));
  CHECK_FALSE(matches_name(n, "a.b.example.test"));
  CHECK_FALSE(matches_name(n, "example.test"));
  CHECK(matches_name(n, "127.0.0.1"));
  CHECK_FALSE(matches_name(n, "127.0.0.2"));
  CHECK_FALSE(matches_name(n, "::ffff:127.0.0.1"));  // never across families
  CHECK_FALSE(matches_name(n, ""));
  // A wildcard needs two labels after it, and only as the whole leftmost label.
  CHECK_FALSE(matches_name(san({"*.test"}), "a.test"));
  CHECK_FALSE(matches_name(san({"w*.example.test"}), "www.example.test"));
  CHECK_FALSE(matches_name(san({"a.*.test"}), "a.b.test"));
  // An IP address never matches a dNSName or the CN.
  CHECK_FALSE(matches_name(san({"127.0.0.1"}), "127.0.0.1"));
  CHECK_FALSE(matches_name(cn_only("127.0.0.1"), "127.0.0.1"));
}

TEST_CASE("matches_name: the CN only without a subjectAltName extension, exactly") {
  CHECK(cn_is_used(cn_only("x")));
  // The old code used the CN whenever the SAN had no dNSName or iPAddress entry.
  LeafNames uri_only = san({});
  CHECK_FALSE(cn_is_used(uri_only));
  CHECK_FALSE(matches_name(uri_only, "localhost"));
  CHECK(matches_name(cn_only("cn-only.example.test"), "CN-ONLY.example.test"));
  CHECK(matches_name(cn_only("cn-only.example.test."), "cn-only.example.test"));
  CHECK_FALSE(matches_name(cn_only("cn-only.example.test"), "x.cn-only.example.test"));
  // A wildcard CN is not honoured (the old code matched it as a pattern).
  CHECK_FALSE(matches_name(cn_only("*.example.test"), "www.example.test"));
  CHECK_FALSE(matches_name(cn_only("*.example.test"), "*.example.test"));
}

TEST_CASE("dNSName subtrees (RFC 5280 4.2.1.10)") {
  std::vector<std::string> list;
  REQUIRE(add_dns_subtree("Example.Test", &list));
  REQUIRE(add_dns_subtree(".sub.test", &list));
  REQUIRE(add_dns_subtree("", &list));
  CHECK(list == std::vector<std::string>{"example.test", ".sub.test", ""});
  CHECK_FALSE(add_dns_subtree("..x", &list));
  CHECK_FALSE(add_dns_subtree("a b.test", &list));
  CHECK_FALSE(add_dns_subtree("*.example.test", &list));
  CHECK_FALSE(add_dns_subtree(".", &list));

  // "example.test": the name itself and any name with labels added on the left.
  CHECK(dns_within_subtree("example.test", "example.test"));
  CHECK(dns_within_subtree("WWW.Example.Test", "example.test"));
  CHECK(dns_within_subtree("a.b.example.test.", "example.test"));
  CHECK(dns_within_subtree("*.example.test", "example.test"));
  CHECK_FALSE(dns_within_subtree("badexample.test", "example.test"));
  CHECK_FALSE(dns_within_subtree("example.test.evil", "example.test"));
  CHECK_FALSE(dns_within_subtree("test", "example.test"));
  // ".sub.test": subdomains only.
  CHECK(dns_within_subtree("a.sub.test", ".sub.test"));
  CHECK_FALSE(dns_within_subtree("sub.test", ".sub.test"));
  CHECK_FALSE(dns_within_subtree("asub.test", ".sub.test"));
  // The empty constraint covers every name.
  CHECK(dns_within_subtree("anything.test", ""));
}

TEST_CASE("iPAddress subtrees: address and mask, v4 and v6") {
  std::vector<IpSubtree> list;
  CHECK_FALSE(add_ip_subtree(hex("7f000001"), &list));  // 4 bytes: an address, not a subtree
  CHECK_FALSE(add_ip_subtree(hex("7f000000ff00000000"), &list));
  CHECK(list.empty());
  const IpSubtree loop4 = ip_subtree("7f000000ff000000");  // 127.0.0.0/8
  CHECK(ip_within_subtree(hex("7f000001"), loop4));
  CHECK(ip_within_subtree(hex("7fffffff"), loop4));
  CHECK_FALSE(ip_within_subtree(hex("80000001"), loop4));
  CHECK_FALSE(ip_within_subtree(hex("00000000000000000000ffff7f000001"), loop4));  // a v6 address
  // fd00::/8
  const IpSubtree ula = ip_subtree("fd000000000000000000000000000000ff000000000000000000000000000000");
  CHECK(ip_within_subtree(hex("fd120000000000000000000000000001"), ula));
  CHECK_FALSE(ip_within_subtree(hex("fe800000000000000000000000000001"), ula));
  CHECK_FALSE(ip_within_subtree(hex("fd000001"), ula));
  // A /128 is one address.
  const IpSubtree one = ip_subtree("00000000000000000000000000000001ffffffffffffffffffffffffffffffff");
  CHECK(ip_within_subtree(hex("00000000000000000000000000000001"), one));
  CHECK_FALSE(ip_within_subtree(hex("00000000000000000000000000000002"), one));
}

TEST_CASE("names_within_constraints: permitted, per name form") {
  const std::vector<NameConstraints> cas = {permitted_dns({"allowed.test"})};
  CHECK(names_within_constraints(san({"www.allowed.test"}), "www.allowed.test", cas));
  CHECK(names_within_constraints(san({"*.allowed.test"}), "a.allowed.test", cas));
  CHECK_FALSE(names_within_constraints(san({"evil.test"}), "evil.test", cas));
  CHECK_FALSE(names_within_constraints(san({"evil.test"}), "", cas));
  // Every SAN entry counts, not only the one that matched.
  CHECK_FALSE(names_within_constraints(san({"www.allowed.test", "evil.test"}), "www.allowed.test", cas));
  // No DNS constraint on IP addresses (another form): an IP SAN passes a DNS-only permitted list.
  CHECK(names_within_constraints(san({"www.allowed.test"}, {hex("0a000001")}), "10.0.0.1", cas));
  // The CN when it is the name used; a CN that is not a DNS name names no host.
  CHECK_FALSE(names_within_constraints(cn_only("evil.test"), "", cas));
  CHECK_FALSE(names_within_constraints(cn_only("evil.test"), "evil.test", cas));
  CHECK(names_within_constraints(cn_only("www.allowed.test"), "www.allowed.test", cas));
  CHECK(names_within_constraints(cn_only("sanstls test client"), "", cas));
  // The CN is not checked when a SAN is present (it is not the name used).
  LeafNames s = san({"www.allowed.test"});
  s.cns = {"evil.test"};
  CHECK(names_within_constraints(s, "", cas));
  // Several CAs: each one's permitted subtrees must hold (their intersection).
  const std::vector<NameConstraints> two = {permitted_dns({"allowed.test"}), permitted_dns({"www.allowed.test"})};
  CHECK(names_within_constraints(san({"www.allowed.test"}), "", two));
  CHECK_FALSE(names_within_constraints(san({"mail.allowed.test"}), "", two));
  // Several subtrees of one CA: any one of them.
  CHECK(names_within_constraints(san({"a.other.test"}), "", {permitted_dns({"allowed.test", "other.test"})}));
  // An IP-only permitted list: an address outside it fails, v4 against v6 too.
  NameConstraints ip_only;
  ip_only.permitted_ip = {ip_subtree("0a000000ff000000")};
  CHECK(names_within_constraints(san({"x.test"}, {hex("0a010203")}), "", {ip_only}));
  CHECK_FALSE(names_within_constraints(san({"x.test"}, {hex("7f000001")}), "", {ip_only}));
  CHECK_FALSE(names_within_constraints(san({"x.test"}, {hex("00000000000000000000000000000001")}), "", {ip_only}));
  CHECK_FALSE(names_within_constraints(san({"x.test"}), "127.0.0.1", {ip_only}));
  // No constraints at all.
  CHECK(names_within_constraints(san({"anything.test"}), "anything.test", {}));
  CHECK(names_within_constraints(san({"anything.test"}), "anything.test", {NameConstraints()}));
}

TEST_CASE("names_within_constraints: excluded") {
  NameConstraints nc = excluded_dns({"evil.test"});
  nc.excluded_ip = {ip_subtree("7f000000ff000000")};
  const std::vector<NameConstraints> cas = {nc};
  CHECK_FALSE(names_within_constraints(san({"evil.test"}), "evil.test", cas));
  CHECK_FALSE(names_within_constraints(san({"a.EVIL.test"}), "", cas));
  CHECK(names_within_constraints(san({"notevil.test"}), "notevil.test", cas));
  CHECK_FALSE(names_within_constraints(san({"ok.test"}, {hex("7f000001")}), "ok.test", cas));
  CHECK(names_within_constraints(san({"ok.test"}, {hex("0a000001")}), "ok.test", cas));
  // The reference name counts: a wildcard entry matched a name inside an excluded subtree.
  CHECK_FALSE(names_within_constraints(san({"*.test"}), "evil.test", cas));
  // Excluded wins over permitted.
  NameConstraints both = permitted_dns({"test"});
  REQUIRE(add_dns_subtree("evil.test", &both.excluded_dns));
  CHECK(names_within_constraints(san({"good.test"}), "", {both}));
  CHECK_FALSE(names_within_constraints(san({"www.evil.test"}), "", {both}));
  // The empty excluded subtree excludes every DNS name.
  CHECK_FALSE(names_within_constraints(san({"a.test"}), "", {excluded_dns({""})}));
}

}  // namespace
}  // namespace x509_policy
}  // namespace crypto
}  // namespace sanstls
