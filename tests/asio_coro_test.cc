// The Asio adapter with C++20 coroutines (built with -std=c++20, this target only): a stream moved into
// a coroutine by co_spawn, use_awaitable as the executor's default completion token,
// experimental::deferred, and Asio's timeout idiom `co_await (read || timer)` followed by more reads
// on the same stream (issue 18, items 1 and 5).
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/deferred.hpp>
#include <future>
#include <string>
#include <variant>

#include "doctest/doctest.h"
#include "tests/pair.h"
#include "tools/adapters/asio_stream.h"

namespace sanstls {
namespace {

namespace aa = asio_adapter;
using namespace asio::experimental::awaitable_operators;
using tcp = asio::ip::tcp;
using Socket = asio::use_awaitable_t<>::as_default_on_t<tcp::socket>;
using TlsStream = aa::Stream<Socket>;  // operations default to use_awaitable

struct Results {
  std::string server_got;
  bool server_clean = false;
  bool timer_won = false;
  std::string echoed;
  bool client_done = false;
  std::string failure;
};

// The server's session owns its stream: it was moved into the coroutine.
asio::awaitable<void> echo_session(TlsStream tls, Results& out) {
  try {
    co_await tls.async_handshake(aa::server);
    std::array<char, 1024> buf;
    for (;;) {
      auto [ec, n] = co_await tls.async_read_some(asio::buffer(buf), asio::experimental::as_tuple(asio::use_awaitable));
      if (ec == asio::error::eof) {
        out.server_clean = true;
        break;
      }
      if (ec) throw std::system_error(ec);
      out.server_got.append(buf.data(), n);
      co_await asio::async_write(tls, asio::buffer(buf.data(), n));
    }
    co_await tls.async_shutdown(asio::experimental::as_tuple(asio::use_awaitable));
  } catch (const std::exception& e) {
    out.failure += std::string("server: ") + e.what();
  }
}

asio::awaitable<void> client_session(TlsStream tls, Results& out) {
  try {
    co_await tls.async_handshake(aa::client);
    // The server says nothing: the timer wins, the read is cancelled (terminal), nothing is lost.
    std::array<char, 64> buf;
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
    std::variant<size_t, std::monostate> first =
        co_await (tls.async_read_some(asio::buffer(buf)) || timer.async_wait(asio::use_awaitable));
    out.timer_won = first.index() == 1;
    // The stream goes on: a line out (through experimental::deferred), its echo back.
    const std::string line = "after the timeout\n";
    auto write = asio::async_write(tls, asio::buffer(line), asio::experimental::deferred);
    co_await write(asio::use_awaitable);
    co_await asio::async_read_until(tls, asio::dynamic_buffer(out.echoed), '\n');
    co_await tls.async_shutdown();
    out.client_done = true;
  } catch (const std::exception& e) {
    out.failure += std::string("client: ") + e.what();
  }
}

TEST_CASE("asio coroutines: co_spawn(session(std::move(stream))), (read || timer), then read again") {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  aa::SystemClock clock;
  auto rng = crypto::make_deterministic_rng(ByteView::of("coroutines"));
  aa::Context ctx{testing::client_config(), testing::server_config(), rng.get(), &clock};

  Socket server_sock(io);
  TlsStream client(io.get_executor(), ctx);
  Connection::ClientOptions opts;
  opts.server_name = "localhost";
  client.set_client_options(opts);
  client.next_layer().connect(acceptor.local_endpoint());
  acceptor.accept(server_sock);
  TlsStream server(std::move(server_sock), ctx);

  Results r;
  asio::co_spawn(io, echo_session(std::move(server), r), asio::detached);
  asio::co_spawn(io, client_session(std::move(client), r), asio::detached);
  io.run_for(std::chrono::seconds(20));
  INFO(r.failure);
  CHECK(r.failure.empty());
  CHECK(r.timer_won);
  CHECK(r.client_done);
  CHECK(r.echoed == "after the timeout\n");
  CHECK(r.server_got == "after the timeout\n");
  CHECK(r.server_clean);
}

}  // namespace
}  // namespace sanstls
