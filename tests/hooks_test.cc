// The application's hooks through the public API: certificate verifiers (pinning, policy on top of the
// default, full delegation; sessions bound to the verifier), the server's selection from the
// ClientHello, and the asynchronous operations (sign, decrypt, verify, select as request events answered
// by completion calls), on both versions.
#include <doctest/doctest.h>

#include <functional>

#include "core/suites.h"
#include "tests/pair.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

using AD = AlertDescription;
const char* kTls12Ecdhe = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256";
const char* kTls13 = "TLS_AES_128_GCM_SHA256";

Bytes pem(const std::string& name) { return read_file("tests/certs/" + name); }

// SHA-256 of a certificate's SubjectPublicKeyInfo: what a pin holds.
Bytes spki_hash(ByteView der) {
  std::string err;
  std::unique_ptr<crypto::Certificate> c = test_provider().parse_certificate(der, &err);
  REQUIRE(c != nullptr);
  std::unique_ptr<crypto::PublicKey> k = c->public_key();
  return crypto::hash_once(test_provider(), crypto::HashAlg::sha256, k->spki_der());
}
Bytes first_der(const std::string& name) {
  std::vector<Bytes> der;
  std::string err;
  REQUIRE(test_provider().load_certificates(pem(name), &der, &err));
  return der.at(0);
}

// A verifier that accepts only a leaf with the pinned key; counts its calls.
CertificateVerifier pin(Bytes pinned, std::string tag, int* calls,
                        CertificateVerifier::Mode mode = CertificateVerifier::Mode::after_default) {
  CertificateVerifier v;
  v.mode = mode;
  v.tag = std::move(tag);
  v.check = [pinned, calls](const CertificateCheck& c) {
    if (calls) ++*calls;
    return spki_hash(c.chain.at(0)) == pinned ? CertVerdict::accept() : CertVerdict::refuse(AD::certificate_unknown);
  };
  return v;
}

std::shared_ptr<const ServerConfig> server_with(const std::string& cert, const std::string& key, const char* suites,
                                                const std::function<void(ServerConfig::Builder&)>& t = nullptr) {
  ServerConfig::Builder b;
  b.provider(test_provider());
  b.certificate(pem(cert), pem(key));
  b.cipher_suite_names(suites);
  if (t) t(b);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

std::shared_ptr<const ClientConfig> client_with(const char* suites, const std::function<void(ClientConfig::Builder&)>& t,
                                                bool anchors = true) {
  ClientConfig::Builder b;
  b.provider(test_provider());
  if (anchors) b.trust_anchors_pem(pem("ca.pem"));
  b.cipher_suite_names(suites);
  if (t) t(b);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

Connection::ClientOptions localhost(std::optional<Session> resume = std::nullopt) {
  Connection::ClientOptions o;
  o.server_name = "localhost";
  o.resume = std::move(resume);
  return o;
}

Selection with_cert(std::shared_ptr<const CertifiedKey> c) {
  Selection s;
  s.certificate = std::move(c);
  return s;
}

struct Run {
  FixedClock clock{kTestNowMs};
  std::unique_ptr<crypto::Rng> crng = crypto::make_deterministic_rng(ByteView::of("client"));
  std::unique_ptr<crypto::Rng> srng = crypto::make_deterministic_rng(ByteView::of("server"));
  std::unique_ptr<crypto::Rng> arng = crypto::make_deterministic_rng(ByteView::of("application"));
  Connection client;
  Connection server;
  Seen cs, ss;
  Run(std::shared_ptr<const ClientConfig> c, std::shared_ptr<const ServerConfig> s, Connection::ClientOptions o = localhost())
      : client(Connection::client(c, std::move(o), *crng, clock)), server(Connection::server(s, *srng, clock)) {}

  // Pumps, answering every request event with `answer` (the application's loop), until nothing moves.
  using Answer = std::function<void(Connection&, const Event&)>;
  void go(const Answer& answer = nullptr) {
    size_t done_c = 0, done_s = 0;
    for (int i = 0; i < 50; i++) {
      pump(client, server, &cs, &ss);
      bool any = false;
      while (answer && done_c < cs.requests.size()) answer(client, cs.requests[done_c++]), any = true;
      while (answer && done_s < ss.requests.size()) answer(server, ss.requests[done_s++]), any = true;
      if (!any) return;
    }
  }
};

// The application's side of each request, done right.
Bytes sign_for(const Event& ev, crypto::Rng& rng) {
  Bytes sig;
  REQUIRE(ev.certificate != nullptr);
  REQUIRE(ev.certificate->key->sign(static_cast<crypto::SignatureScheme>(ev.scheme), ev.data, rng, &sig) == crypto::Status::ok);
  return sig;
}

Run::Answer answer_all(crypto::Rng& rng, CertVerdict verdict = CertVerdict::accept()) {
  return [&rng, verdict](Connection& c, const Event& ev) {
    Status st;
    switch (ev.type) {
      case Event::Type::sign_request:
        st = c.complete_sign(sign_for(ev, rng));
        break;
      case Event::Type::decrypt_request: {
        Bytes pms(48);
        REQUIRE(ev.certificate->key->rsa_decrypt_premaster(ev.data, ev.client_version, rng, pms.data()) == crypto::Status::ok);
        st = c.complete_decrypt(pms);
        break;
      }
      case Event::Type::verify_request:
        st = c.complete_verify(verdict);
        break;
      default:
        FAIL("unexpected request");
    }
    // A refusal fails the handshake: the completion returns that error.
    CHECK(st.ok() == verdict.ok);
  };
}

bool received(const Seen& s, AD a) {
  for (const Alert& x : s.alerts)
    if (x.description == a) return true;
  return false;
}

}  // namespace

// ------------------------------------------------------------------------------------------------------
// Verifiers

TEST_CASE("a pinning verifier accepts the pinned key and refuses another with its alert, both versions") {
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    int calls = 0;
    auto client = client_with(suites, [&](ClientConfig::Builder& b) {
      b.certificate_verifier(pin(spki_hash(first_der("server_rsa.pem")), "pin-rsa", &calls));
    });
    Run good(client, server_with("server_rsa.pem", "server_rsa.key.pem", suites));
    good.go();
    CHECK(good.cs.done);
    CHECK(good.ss.done);
    CHECK(calls == 1);

    // Another key the trust anchors accept: the pin refuses it, with the alert the verifier named.
    Run bad(client, server_with("server_ec_chain.pem", "server_ec.key.pem", suites));
    bad.go();
    CHECK_FALSE(bad.cs.done);
    REQUIRE(bad.client.error() != nullptr);
    CHECK(bad.client.error()->kind == ErrorKind::bad_certificate);
    CHECK(bad.client.error()->alert == AD::certificate_unknown);
    CHECK(received(bad.ss, AD::certificate_unknown));
    CHECK(calls == 2);
  }
}

TEST_CASE("after_default: the default check still runs first (a chain from an unknown CA never reaches the verifier)") {
  int calls = 0;
  auto client = client_with(kTls13, [&](ClientConfig::Builder& b) {
    b.certificate_verifier(pin(spki_hash(first_der("unknown_ca.pem")), "pin-unknown", &calls));
  });
  Run r(client, server_with("unknown_ca.pem", "unknown_ca.key.pem", kTls13));
  r.go();
  CHECK_FALSE(r.cs.done);
  CHECK(r.client.error()->alert == AD::unknown_ca);
  CHECK(calls == 0);
}

TEST_CASE("replace_default: full delegation, no trust anchors; the verifier alone decides") {
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    int calls = 0;
    auto client = client_with(
        suites,
        [&](ClientConfig::Builder& b) {
          b.certificate_verifier(
              pin(spki_hash(first_der("unknown_ca.pem")), "pin-delegated", &calls, CertificateVerifier::Mode::replace_default));
        },
        /*anchors=*/false);
    Run r(client, server_with("unknown_ca.pem", "unknown_ca.key.pem", suites));
    r.go();
    CHECK(r.cs.done);
    CHECK(calls == 1);
    // The name is the verifier's business too: it is handed over.
    Run other(client, server_with("server_rsa.pem", "server_rsa.key.pem", suites));
    other.go();
    CHECK_FALSE(other.cs.done);
    CHECK(received(other.ss, AD::certificate_unknown));
  }
}

TEST_CASE("a verifier sees the chain, the name and the clock") {
  CertificateCheck seen;
  CertificateVerifier v;
  v.tag = "look";
  v.check = [&](const CertificateCheck& c) {
    seen = c;
    return CertVerdict::accept();
  };
  auto client = client_with(kTls13, [&](ClientConfig::Builder& b) { b.certificate_verifier(v); });
  Run r(client, server_with("server_ec_chain.pem", "server_ec.key.pem", kTls13));
  r.go();
  CHECK(r.cs.done);
  CHECK(seen.peer_is_server);
  CHECK(seen.name == "localhost");
  CHECK(seen.now_ms == kTestNowMs);
  REQUIRE(seen.chain.size() == 2);  // leaf and intermediate, as sent
  CHECK(seen.chain[0] == first_der("server_ec_chain.pem"));
}

TEST_CASE("a server's client-certificate verifier: refusal sends its alert; replace_default needs no anchors") {
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    CertificateVerifier deny;
    deny.tag = "deny";
    deny.check = [](const CertificateCheck& c) {
      CHECK_FALSE(c.peer_is_server);
      return CertVerdict::refuse(AD::access_denied);
    };
    auto server = server_with("server_rsa.pem", "server_rsa.key.pem", suites, [&](ServerConfig::Builder& b) {
      b.client_auth(ClientAuth::required, pem("ca.pem"));
      b.client_certificate_verifier(deny);
    });
    auto client = client_with(suites, [](ClientConfig::Builder& b) {
      b.client_certificate(pem("client.pem"), pem("client.key.pem"));
    });
    Run r(client, server);
    r.go();
    REQUIRE(r.server.error() != nullptr);
    CHECK(r.server.error()->alert == AD::access_denied);
    CHECK(received(r.cs, AD::access_denied));

    int calls = 0;
    auto delegating = server_with("server_rsa.pem", "server_rsa.key.pem", suites, [&](ServerConfig::Builder& b) {
      b.client_auth(ClientAuth::required, ByteView());
      b.client_certificate_verifier(
          pin(spki_hash(first_der("client.pem")), "client-pin", &calls, CertificateVerifier::Mode::replace_default));
    });
    Run ok(client, delegating);
    ok.go();
    CHECK(ok.ss.done);
    CHECK(ok.server.info()->client_authenticated);
    CHECK(calls == 1);
  }
}

TEST_CASE("a session proved under one verifier is not resumed under another: full handshake, both versions") {
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    int calls_a = 0, calls_b = 0;
    Bytes rsa_pin = spki_hash(first_der("server_rsa.pem"));
    auto a = client_with(suites, [&](ClientConfig::Builder& b) { b.certificate_verifier(pin(rsa_pin, "policy-a", &calls_a)); });
    auto b = client_with(suites, [&](ClientConfig::Builder& x) { x.certificate_verifier(pin(rsa_pin, "policy-b", &calls_b)); });
    auto plain = client_with(suites, nullptr);
    auto server = server_with("server_rsa.pem", "server_rsa.key.pem", suites);

    Run first(a, server);
    first.go();
    REQUIRE(first.cs.done);
    std::optional<Session> s = first.client.session();
    REQUIRE(s.has_value());
    CHECK(calls_a == 1);

    // The same verifier resumes (and is not asked again: resumption skips the certificate).
    Run again(a, server, localhost(s));
    again.go();
    REQUIRE(again.cs.done);
    CHECK(again.client.info()->resumed);
    CHECK(calls_a == 1);

    // Another tag, or the default verifier, makes a full handshake, and the chain is checked afresh.
    Run other(b, server, localhost(s));
    other.go();
    REQUIRE(other.cs.done);
    CHECK_FALSE(other.client.info()->resumed);
    CHECK(calls_b == 1);
    Run dflt(plain, server, localhost(s));
    dflt.go();
    REQUIRE(dflt.cs.done);
    CHECK_FALSE(dflt.client.info()->resumed);
  }
}

TEST_CASE("a verifier is refused by build() without a tag or a check, or with verify_server off") {
  CertificateVerifier v;
  v.check = [](const CertificateCheck&) { return CertVerdict::accept(); };
  ClientConfig::Builder b;
  b.trust_anchors_pem(pem("ca.pem")).certificate_verifier(v);
  CHECK_FALSE(b.build().ok());
  v.tag = "t";
  v.check = nullptr;
  b.certificate_verifier(v);
  CHECK_FALSE(b.build().ok());
  v.check = [](const CertificateCheck&) { return CertVerdict::accept(); };
  b.certificate_verifier(v).verify_server(false);
  CHECK_FALSE(b.build().ok());
}

// ------------------------------------------------------------------------------------------------------
// Selection

namespace {
struct TwoCerts {
  std::shared_ptr<const CertifiedKey> rsa, ec;
  TwoCerts() {
    auto base = server_config();
    rsa = base->certificates.at(0);
    ec = base->certificates.at(1);
  }
};
Selection by_name(const TwoCerts& t, const ClientHelloInfo& h) {
  if (h.server_name == "rsa.test") return with_cert(t.rsa);
  if (h.server_name == "ec.test") return with_cert(t.ec);
  return Selection::refused(AD::unrecognized_name);
}
}  // namespace

TEST_CASE("selection: the hook picks the certificate by SNI, and its refusal ends the handshake with its alert") {
  TwoCerts t;
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    ClientHelloInfo seen;
    auto server = server_with("server_rsa.pem", "server_rsa.key.pem", suites, [&](ServerConfig::Builder& b) {
      b.select([&](const ClientHelloInfo& h) {
        seen = h;
        return by_name(t, h);
      });
    });
    auto client = client_with(suites, nullptr);
    for (const char* name : {"rsa.test", "ec.test"}) {
      Connection::ClientOptions o;
      o.server_name = name;
      o.verify_name = "localhost";
      Run r(client, server, o);
      r.go();
      REQUIRE(r.cs.done);
      CHECK(r.client.info()->peer_chain.at(0) == (std::string(name) == "rsa.test" ? t.rsa : t.ec)->chain.at(0));
      CHECK(seen.server_name == name);
      CHECK_FALSE(seen.signature_schemes.empty());
      CHECK_FALSE(seen.groups.empty());
      CHECK_FALSE(seen.cipher_suites.empty());
    }
    CHECK((seen.versions.empty() || seen.versions.front() == 0x0304 || seen.versions.front() == 0x0303));
    Connection::ClientOptions o;
    o.server_name = "nobody.test";
    o.verify_name = "localhost";
    Run r(client, server, o);
    r.go();
    CHECK_FALSE(r.cs.done);
    CHECK(r.server.error()->alert == AD::unrecognized_name);
    CHECK(received(r.cs, AD::unrecognized_name));
  }
}

TEST_CASE("selection: the hook may hand over another config (here: other ALPN)") {
  auto other = server_with("server_rsa.pem", "server_rsa.key.pem", kTls13,
                           [](ServerConfig::Builder& b) { b.alpn({"h2"}); });
  auto server = server_with("server_rsa.pem", "server_rsa.key.pem", kTls13, [&](ServerConfig::Builder& b) {
    b.alpn({"http/1.1"});
    b.select([&](const ClientHelloInfo& h) {
      Selection s;
      if (std::find(h.alpn.begin(), h.alpn.end(), "h2") != h.alpn.end()) s.config = other;
      return s;
    });
  });
  auto client = client_with(kTls13, [](ClientConfig::Builder& b) { b.alpn({"h2", "http/1.1"}); });
  Run r(client, server);
  r.go();
  REQUIRE(r.cs.done);
  CHECK(r.client.info()->alpn == "h2");
}

// ------------------------------------------------------------------------------------------------------
// Asynchronous operations

TEST_CASE("async sign, server: the request carries scheme and data, the signature verifies, both versions") {
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    for (const char* cert : {"server_rsa", "server_ec_chain"}) {
      CAPTURE(suites);
      CAPTURE(cert);
      std::string key = std::string(cert) == "server_rsa" ? "server_rsa.key.pem" : "server_ec.key.pem";
      auto server = server_with(std::string(cert) + ".pem", key, suites, [](ServerConfig::Builder& b) { b.async_signing(true); });
      Run r(client_with(suites, nullptr), server);
      r.go();  // no answers: the server waits
      REQUIRE(r.ss.requests.size() == 1);
      CHECK_FALSE(r.ss.done);
      CHECK(r.server.awaiting());
      const Event& ev = r.ss.requests[0];
      CHECK(ev.type == Event::Type::sign_request);
      CHECK(ev.certificate == server->certificates[0].get());
      CHECK(ev.scheme != 0);
      Bytes sig = sign_for(ev, *r.arng);
      std::unique_ptr<crypto::PublicKey> pub = ev.certificate->key->public_key();
      CHECK(pub->verify(static_cast<crypto::SignatureScheme>(ev.scheme), ev.data, sig) == crypto::Status::ok);
      REQUIRE(r.server.complete_sign(sig).ok());
      CHECK_FALSE(r.server.awaiting());
      r.go();
      CHECK(r.cs.done);
      CHECK(r.ss.done);
      CHECK(r.client.info()->signature_scheme == ev.scheme);
    }
  }
}

TEST_CASE("async sign, client certificate, both versions") {
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    auto server = server_with("server_rsa.pem", "server_rsa.key.pem", suites,
                              [](ServerConfig::Builder& b) { b.client_auth(ClientAuth::required, pem("ca.pem")); });
    auto client = client_with(suites, [](ClientConfig::Builder& b) {
      b.client_certificate(pem("client.pem"), pem("client.key.pem"));
      b.async_signing(true);
    });
    Run r(client, server);
    r.go(answer_all(*r.arng));
    REQUIRE(r.cs.requests.size() == 1);
    CHECK(r.cs.requests[0].type == Event::Type::sign_request);
    CHECK(r.cs.done);
    REQUIRE(r.ss.done);
    CHECK(r.server.info()->client_authenticated);
  }
}

TEST_CASE("an answer given later, after more input arrived: receive() takes nothing meanwhile, both versions") {
  // The server verifies the client certificate asynchronously: it pauses at the client's Certificate,
  // while the rest of the client's flight (CertificateVerify, Finished; in TLS 1.2 also its
  // ChangeCipherSpec record) and a record of application data are already there.
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    CertificateVerifier v;
    v.tag = "later";
    v.async = true;
    auto client = client_with(suites, [](ClientConfig::Builder& b) { b.client_certificate(pem("client.pem"), pem("client.key.pem")); });
    auto server = server_with("server_rsa.pem", "server_rsa.key.pem", suites, [&](ServerConfig::Builder& b) {
      b.client_auth(ClientAuth::required, pem("ca.pem"));
      b.client_certificate_verifier(v);
    });
    Run r(client, server);
    REQUIRE(r.client.send(ByteView::of("early bird")).ok());  // sent right after the client's Finished
    // Until the client has sent its whole second flight (and its data) without hearing back.
    for (int i = 0; i < 4; i++) {
      if (!r.client.pending_output().empty()) {
        if (r.server.awaiting()) break;
        Result<size_t> t = r.server.receive(r.client.pending_output());
        REQUIRE(t.ok());
        r.client.consume_output(t.value());
        drain(r.server, &r.ss);
      }
      if (r.server.awaiting()) break;
      REQUIRE(r.client.receive(r.server.pending_output()).ok());
      r.server.consume_output(r.server.pending_output().size());
      drain(r.client, &r.cs);
    }
    REQUIRE(r.server.awaiting());
    REQUIRE(r.ss.requests.size() == 1);
    CHECK(r.ss.requests[0].type == Event::Type::verify_request);
    CHECK(r.ss.requests[0].check->chain.at(0) == first_der("client.pem"));
    // The client's flight was not all taken: more input is there, and is refused while waiting.
    Bytes rest = r.client.pending_output().to_bytes();
    REQUIRE_FALSE(rest.empty());
    size_t out_before = r.server.pending_output().size();
    Result<size_t> again = r.server.receive(rest);
    REQUIRE(again.ok());
    CHECK(again.value() == 0);
    CHECK(r.server.pending_output().size() == out_before);
    CHECK(r.server.is_handshaking());
    CHECK(r.server.next_deadline() != 0);  // the handshake deadline keeps running while paused
    REQUIRE(r.server.complete_verify(CertVerdict::accept()).ok());
    r.go();
    CHECK(r.cs.done);
    CHECK(r.ss.done);
    CHECK(r.server.info()->client_authenticated);
    CHECK(r.ss.data == "early bird");
  }
}

TEST_CASE("async verify in the middle of a record: the messages after the Certificate wait, then go on") {
  // The client's verifier pauses at the server's Certificate; the server's CertificateVerify and
  // Finished came in the same record and are processed after the answer.
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    CertificateVerifier v;
    v.tag = "mid-record";
    v.async = true;
    auto client = client_with(suites, [&](ClientConfig::Builder& b) { b.certificate_verifier(v); });
    Run r(client, server_with("server_rsa.pem", "server_rsa.key.pem", suites));
    r.go();
    REQUIRE(r.cs.requests.size() == 1);
    CHECK(r.client.awaiting());
    CHECK_FALSE(r.cs.done);
    REQUIRE(r.client.complete_verify(CertVerdict::accept()).ok());
    r.go();
    CHECK(r.cs.done);
    CHECK(r.ss.done);
  }
}

TEST_CASE("async verify refused: the verdict's alert, both sides, both versions") {
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    CertificateVerifier v;
    v.tag = "async-deny";
    v.async = true;
    auto client = client_with(suites, [&](ClientConfig::Builder& b) {
      b.certificate_verifier(v);
      b.client_certificate(pem("client.pem"), pem("client.key.pem"));
    });
    auto server = server_with("server_rsa.pem", "server_rsa.key.pem", suites, [&](ServerConfig::Builder& b) {
      b.client_auth(ClientAuth::required, pem("ca.pem"));
      b.client_certificate_verifier(v);
    });
    {
      Run r(client, server);
      r.go(answer_all(*r.arng, CertVerdict::refuse(AD::certificate_revoked)));
      CHECK(r.client.error()->alert == AD::certificate_revoked);
      CHECK(received(r.ss, AD::certificate_revoked));
    }
    {
      // The client accepts; the server's verdict on the client certificate refuses.
      Run r(client, server);
      r.go([&](Connection& c, const Event& ev) {
        REQUIRE(ev.type == Event::Type::verify_request);
        const bool server_chain = ev.check->peer_is_server;  // ev.check dies with the answer
        Status st = c.complete_verify(server_chain ? CertVerdict::accept() : CertVerdict::refuse(AD::access_denied));
        CHECK(st.ok() == server_chain);
      });
      CHECK(r.server.error()->alert == AD::access_denied);
      CHECK(received(r.cs, AD::access_denied));
      CHECK_FALSE(r.ss.done);
    }
    {
      Run r(client, server);
      r.go(answer_all(*r.arng));
      CHECK(r.cs.done);
      CHECK(r.ss.done);
      CHECK(r.server.info()->client_authenticated);
    }
  }
}

TEST_CASE("async decrypt: TLS_RSA key exchange, the application decrypts the premaster") {
  auto server = server_with("server_rsa.pem", "server_rsa.key.pem", "AES128-GCM-SHA256",
                            [](ServerConfig::Builder& b) { b.async_signing(true); });
  Run r(client_with("AES128-GCM-SHA256", nullptr), server);
  r.go(answer_all(*r.arng));
  REQUIRE(r.ss.requests.size() == 1);
  CHECK(r.ss.requests[0].type == Event::Type::decrypt_request);
  CHECK(r.ss.requests[0].client_version == 0x0303);
  CHECK(r.cs.done);
  CHECK(r.ss.done);
  // A wrong length is the key's failure: internal_error.
  Run bad(client_with("AES128-GCM-SHA256", nullptr), server);
  bad.go([](Connection& c, const Event&) { CHECK(c.complete_decrypt(Bytes(47)).error().alert == AD::internal_error); });
  CHECK(bad.server.error()->alert == AD::internal_error);
}

TEST_CASE("async select: answered by complete_selection, both versions; its refusal sends its alert") {
  TwoCerts t;
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    auto server = server_with("server_rsa.pem", "server_rsa.key.pem", suites,
                              [](ServerConfig::Builder& b) { b.select_async(true); });
    for (const char* name : {"ec.test", "nobody.test"}) {
      Connection::ClientOptions o;
      o.server_name = name;
      o.verify_name = "localhost";
      Run r(client_with(suites, nullptr), server, o);
      r.go([&](Connection& c, const Event& ev) {
        REQUIRE(ev.type == Event::Type::select_request);
        Selection sel = by_name(t, *ev.client_hello);
        bool refused = sel.refuse;
        Status st = c.complete_selection(std::move(sel));
        CHECK(st.ok() == !refused);
      });
      if (std::string(name) == "ec.test") {
        REQUIRE(r.cs.done);
        CHECK(r.client.info()->peer_chain.at(0) == t.ec->chain.at(0));
      } else {
        CHECK(r.server.error()->alert == AD::unrecognized_name);
        CHECK(received(r.cs, AD::unrecognized_name));
      }
    }
  }
}

TEST_CASE("completions: the wrong operation, a second answer or none pending is api_misuse; the wait goes on") {
  auto server = server_with("server_rsa.pem", "server_rsa.key.pem", kTls13, [](ServerConfig::Builder& b) { b.async_signing(true); });
  Run r(client_with(kTls13, nullptr), server);
  CHECK(r.server.complete_sign(Bytes{1}).error().kind == ErrorKind::api_misuse);  // nothing pending yet
  r.go();
  REQUIRE(r.server.awaiting());
  CHECK(r.server.complete_verify(CertVerdict::accept()).error().kind == ErrorKind::api_misuse);
  CHECK(r.server.complete_selection(Selection()).error().kind == ErrorKind::api_misuse);
  CHECK(r.server.complete_decrypt(Bytes(48)).error().kind == ErrorKind::api_misuse);
  CHECK(r.server.error() == nullptr);
  CHECK(r.server.awaiting());
  Bytes sig = sign_for(r.ss.requests.at(0), *r.arng);  // the request's views die with the answer
  REQUIRE(r.server.complete_sign(sig).ok());
  CHECK(r.server.complete_sign(sig).error().kind == ErrorKind::api_misuse);
  r.go();
  CHECK(r.cs.done);
  CHECK(r.ss.done);
}

TEST_CASE("a failed sign is internal_error, sent as the alert; both versions") {
  for (const char* suites : {kTls12Ecdhe, kTls13}) {
    CAPTURE(suites);
    auto server = server_with("server_rsa.pem", "server_rsa.key.pem", suites, [](ServerConfig::Builder& b) { b.async_signing(true); });
    Run r(client_with(suites, nullptr), server);
    r.go([](Connection& c, const Event&) { CHECK(c.complete_sign(std::nullopt).error().kind == ErrorKind::internal); });
    REQUIRE(r.server.error() != nullptr);
    CHECK(r.server.error()->kind == ErrorKind::internal);
    CHECK(r.server.error()->alert == AD::internal_error);
    CHECK(received(r.cs, AD::internal_error));
    // A bad signature from the application reaches the client, which refuses it (RFC 8446 4.4.3).
    Run bad(client_with(suites, nullptr), server);
    bad.go([](Connection& c, const Event&) { CHECK(c.complete_sign(Bytes(256, 0x5a)).ok()); });
    CHECK_FALSE(bad.cs.done);
    REQUIRE(bad.client.error() != nullptr);
  }
}

TEST_CASE("a paused handshake still times out") {
  auto server = server_with("server_rsa.pem", "server_rsa.key.pem", kTls13, [](ServerConfig::Builder& b) { b.async_signing(true); });
  Run r(client_with(kTls13, nullptr), server);
  r.go();
  REQUIRE(r.server.awaiting());
  uint64_t deadline = r.server.next_deadline();
  REQUIRE(deadline != 0);
  r.clock.set(deadline);
  r.server.on_timeout();
  REQUIRE(r.server.error() != nullptr);
  CHECK(r.server.error()->kind == ErrorKind::timeout);
  CHECK(r.server.complete_sign(Bytes{1}).error().kind == ErrorKind::timeout);
}

TEST_CASE("TLS 1.3 post-handshake authentication with an asynchronous client key and server verifier") {
  CertificateVerifier v;
  v.tag = "post-auth";
  v.async = true;
  auto server = server_with("server_rsa.pem", "server_rsa.key.pem", kTls13, [&](ServerConfig::Builder& b) {
    b.client_auth(ClientAuth::optional, pem("ca.pem"));
    b.client_certificate_verifier(v);
  });
  auto client = client_with(kTls13, [](ClientConfig::Builder& b) {
    b.client_certificate(pem("client.pem"), pem("client.key.pem"));
    b.async_signing(true);
  });
  Run r(client, server);
  r.go(answer_all(*r.arng));
  REQUIRE(r.ss.done);
  REQUIRE(r.cs.requests.size() == 1);  // the handshake's CertificateVerify
  REQUIRE(r.ss.requests.size() == 1);  // the handshake's client chain
  REQUIRE(r.server.request_client_certificate().ok());
  r.go();  // no answers yet: the client waits to sign
  REQUIRE(r.cs.requests.size() == 2);
  CHECK(r.cs.requests[1].type == Event::Type::sign_request);
  CHECK(r.client.awaiting());
  REQUIRE(r.client.complete_sign(sign_for(r.cs.requests[1], *r.arng)).ok());
  r.go();  // the server now waits for its verdict
  REQUIRE(r.ss.requests.size() == 2);
  CHECK(r.ss.requests[1].type == Event::Type::verify_request);
  CHECK(r.ss.peer_auths == 0);
  REQUIRE(r.server.complete_verify(CertVerdict::accept()).ok());
  r.go();
  CHECK(r.ss.peer_auths == 1);
  CHECK(r.server.error() == nullptr);
  CHECK(r.client.error() == nullptr);
}

TEST_CASE("a request whose step then failed: closed follows, no wait, completions get the error") {
  // A TLS 1.3 ClientHello followed, in the same record, by more handshake data: the server asks for
  // its signature after installing the client's handshake keys, then refuses the data that straddles
  // that key change (RFC 8446 5.1).
  auto server = server_with("server_rsa.pem", "server_rsa.key.pem", kTls13, [](ServerConfig::Builder& b) { b.async_signing(true); });
  Bytes ch = client_hello_bytes(client_with(kTls13, nullptr));
  REQUIRE(ch.size() > 9);
  size_t body = ch.size() - 5;
  Bytes doubled(ch.begin(), ch.begin() + 5);
  doubled.insert(doubled.end(), ch.begin() + 5, ch.end());
  doubled.insert(doubled.end(), ch.begin() + 5, ch.end());
  doubled[3] = static_cast<uint8_t>((2 * body) >> 8);
  doubled[4] = static_cast<uint8_t>(2 * body);
  FixedClock clock(kTestNowMs);
  auto rng = crypto::make_deterministic_rng(ByteView::of("server"));
  Connection s = Connection::server(server, *rng, clock);
  CHECK_FALSE(s.receive(doubled).ok());
  Seen seen;
  drain(s, &seen);
  REQUIRE(seen.requests.size() == 1);
  CHECK(seen.closed);
  CHECK_FALSE(s.awaiting());
  REQUIRE(s.error() != nullptr);
  CHECK(s.error()->alert == AD::unexpected_message);
  CHECK(s.complete_sign(Bytes{1}).error().alert == AD::unexpected_message);
}
