// Asio and Beast compiled once for the network benchmarks (as app/beast_src.cpp does for the
// server): BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION are set on
// every target that links bench_beast.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
