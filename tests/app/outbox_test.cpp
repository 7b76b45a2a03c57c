#include "app/outbox.hpp"

#include <doctest/doctest.h>

using namespace salesdesk::app;
using std::chrono::milliseconds;

TEST_CASE("the wait before the next attempt doubles, is capped, and is jittered") {
  const OutboxPolicy p;  // 1 s, doubling, at most 10 min
  CHECK(backoff_after(p, 1, 0.0) == milliseconds(500));
  CHECK(backoff_after(p, 1, 0.999) > milliseconds(995));
  CHECK(backoff_after(p, 1, 0.999) <= milliseconds(1000));
  CHECK(backoff_after(p, 3, 0.0) == milliseconds(2000));
  CHECK(backoff_after(p, 3, 0.5) == milliseconds(3000));
  CHECK(backoff_after(p, 11, 0.999) <= milliseconds(600'000));
  CHECK(backoff_after(p, 11, 0.0) == milliseconds(300'000));
  CHECK(backoff_after(p, 60, 0.0) == milliseconds(300'000));  // no overflow after many
}

TEST_CASE("which answers end the retries") {
  for (int delivered : {200, 201, 204}) CHECK(final_answer(delivered));
  for (int refused : {400, 401, 403, 404, 410, 422}) CHECK(final_answer(refused));
  for (int later : {0, 408, 425, 429, 500, 502, 503, 504, 301}) CHECK_FALSE(final_answer(later));
}

TEST_CASE("a callback that is not an http(s) address is not tried") {
  const Attempt a = post_signed("ftp://crm.example/hook", "{}", "sha256=00", milliseconds(100));
  CHECK(a.status == 0);
  CHECK(a.error.find("http(s)") != std::string::npos);
  // Nothing listens on port 9 of this machine: refused at once, not hung.
  const Attempt closed = post_signed("http://127.0.0.1:9/hook", "{}", "x", milliseconds(2000));
  CHECK(closed.status == 0);
  CHECK(closed.error.find("connecting") != std::string::npos);
}
