// An adapter for standalone Asio (Debian's libasio-dev): sanstls::asio_adapter::Stream<NextLayer> drives
// a sanstls::Connection over an Asio stream (asio::ip::tcp::socket, or a reference to one), in the
// completion-token style of asio::ssl::stream. boost_asio_stream.h is the same adapter for Boost.Asio
// (Beast): sanstls::boost_asio_adapter, with boost::system::error_code. Both use the public Connection
// API only; the I/O-free logic is stream_core.h.
//
//   asio::io_context io;
//   asio_adapter::Context ctx{client_config, server_config, rng.get(), nullptr};  // like ssl::context
//   asio_adapter::Stream<asio::ip::tcp::socket> tls(io.get_executor(), ctx);      // or (std::move(sock), ctx)
//   tls.set_client_options(opts);                                                // SNI, name to verify
//   asio::connect(tls.next_layer(), endpoints);
//   tls.async_handshake(asio_adapter::client, [&](std::error_code ec) { ... });
//   asio::async_write(tls, asio::buffer(line), [&](std::error_code ec, size_t n) { ... });
//   tls.async_read_some(asio::buffer(buf), [&](std::error_code ec, size_t n) { ... });
//   tls.async_shutdown([&](std::error_code ec) { ... });
// or with a Connection made beforehand (its role fixed): Stream<tcp::socket> tls(std::move(sock),
// Connection::client(...), &clock); tls.async_handshake(token).
//
// Completion tokens: any (callbacks, asio::use_future, asio::use_awaitable under C++20, asio::detached,
// bind_executor / strands, bind_cancellation_slot); the default is the executor's default token
// (asio::use_awaitable_t<>::as_default_on(...) works). Debian's Asio 1.22 has no asio::deferred.
// Composed operations (async_read_until, async_write, async_read) work on the stream.
//
// Errors: error codes. Engine errors are in sanstls_category() ("sanstls"): error_kind(ec) and
// error_alert(ec) give the ErrorKind and the alert; a timeout compares equal to std::errc::timed_out.
// A clean close_notify ends reads with asio::error::eof. A stream that ends without close_notify (after
// or during the handshake) gives error::stream_truncated; `ec == error::truncated` (a condition) is true
// for it and for Asio's own asio::ssl::error::stream_truncated, so one "ignore truncation at EOF" branch
// serves both. connection().error() has the full sanstls::Error after a failure.
//
// Cancellation, as Asio documents it for per-operation cancellation (bind_cancellation_slot,
// `co_await (read || timer)`, a parallel_group):
//  - async_read_some: terminal, partial and total. A cancelled read consumed nothing: the next read
//    reads on. Cancelling the socket (next_layer().cancel(), a steady_timer's usual idiom) has the same
//    effect on a read waiting for the peer: it completes with operation_aborted, the stream goes on.
//  - async_handshake, async_shutdown: terminal and partial; after one, call the same operation again
//    to continue (or close the socket).
//  - async_write_some: terminal only: its bytes are in the engine already and leave with the next
//    flush. A record's transport write is never cancelled per operation (half a record would break the
//    stream): an operation cancelled while it writes completes when that write is done. To give up on
//    a peer that does not read, cancel or close the socket (a cancelled transport write is latched:
//    every later write fails).
//  - An operation waiting for another's transport I/O (a read behind a shutdown's read) completes at
//    once when cancelled; the other goes on.
//
// Timeouts: the handshake deadline (Connection::next_deadline(), the clock's milliseconds) is enforced
// with a steady_timer whose handler runs on the executor of the operation that armed it (so a strand
// bound only to the handlers serialises it with the operation): the operation fails with
// ErrorKind::timeout. Idle timeouts are the application's: cancel the read (see above) and read again.
//
// Rules, as for asio::ssl::stream:
//  - At most one read operation (async_read_some; async_handshake and async_shutdown also read) and one
//    async_write_some outstanding at a time from the user; handshake or shutdown may be outstanding
//    together with a read (they take turns on the transport). All operations and the stream must be
//    used from one thread or one strand.
//  - A write completes when the records holding its bytes were written to the transport (backpressure);
//    at most one write is pending on the transport, and output leaves in the engine's order.
//  - Input: at most one transport read (16 KiB + 5) of ciphertext and its plaintext are held.
//  - After a failure, the alert is written before the failing operation completes; then close the
//    socket. Synchronous calls must not be mixed with outstanding asynchronous operations.
//  - Lifetime: the stream is movable (not while operations are outstanding) and must outlive its
//    operations; the Context's rng and clock (or the Connection's) must outlive the stream.
#ifndef SANSTLS_TOOLS_ADAPTERS_ASIO_STREAM_H_
#define SANSTLS_TOOLS_ADAPTERS_ASIO_STREAM_H_

#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif
#include <asio.hpp>
#include <system_error>

#define SANSTLS_NET asio
#define SANSTLS_SYS std
#define SANSTLS_ADAPTER asio_adapter
#if ASIO_VERSION >= 101900
#define SANSTLS_CANCELLATION 1
#else
#define SANSTLS_CANCELLATION 0
#endif
#include "tools/adapters/asio_stream_impl.h"
#undef SANSTLS_NET
#undef SANSTLS_SYS
#undef SANSTLS_ADAPTER
#undef SANSTLS_CANCELLATION

#endif  // SANSTLS_TOOLS_ADAPTERS_ASIO_STREAM_H_
