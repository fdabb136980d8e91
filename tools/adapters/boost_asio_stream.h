// The Asio adapter (asio_stream.h has its documentation) for Boost.Asio, so that Boost.Beast and other
// Boost.Asio code can use it: sanstls::boost_asio_adapter::Stream<NextLayer>, with
// boost::system::error_code. Debian's Boost 1.74 carries Asio 1.18, which has no per-operation
// cancellation: there, cancel a read by cancelling the socket (a read that is cancelled still consumes
// nothing and the stream reads on).
//
//   boost_asio_adapter::Stream<boost::beast::tcp_stream> tls(std::move(tcp), ctx);
//   tls.async_handshake(boost_asio_adapter::client, yield_or_handler);
//   boost::beast::http::async_write(tls, request, handler);
//   boost::beast::http::async_read(tls, buffer, response, handler);
#ifndef SANSTLS_TOOLS_ADAPTERS_BOOST_ASIO_STREAM_H_
#define SANSTLS_TOOLS_ADAPTERS_BOOST_ASIO_STREAM_H_

#include <boost/asio.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#define SANSTLS_NET boost::asio
#define SANSTLS_SYS boost::system
#define SANSTLS_ADAPTER boost_asio_adapter
#if BOOST_ASIO_VERSION >= 101900
#define SANSTLS_CANCELLATION 1
#else
#define SANSTLS_CANCELLATION 0
#endif
#include "tools/adapters/asio_stream_impl.h"
#undef SANSTLS_NET
#undef SANSTLS_SYS
#undef SANSTLS_ADAPTER
#undef SANSTLS_CANCELLATION

#endif  // SANSTLS_TOOLS_ADAPTERS_BOOST_ASIO_STREAM_H_
