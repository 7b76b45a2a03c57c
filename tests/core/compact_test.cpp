#include "core/compact.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/hashed_index.hpp"

using namespace salesdesk::core;

TEST_CASE("packed texts hold several texts in one block, or none when all are empty") {
  const PackedTexts<3> none({"", "", ""});
  CHECK(none.block() == nullptr);
  CHECK(none[1].empty());

  const std::string user = "1234567890123456";
  const PackedTexts<3> ids({user, "", "thread-9"});
  REQUIRE(ids.block() != nullptr);
  CHECK(ids[0] == user);
  CHECK(ids[1].empty());
  CHECK(ids[2] == "thread-9");

  SUBCASE("a copy is its own block with the same texts") {
    const PackedTexts<3> copy = ids;
    CHECK(copy.block() != ids.block());
    CHECK(copy.views() == ids.views());
  }
  SUBCASE("a move takes the block and leaves nothing behind") {
    PackedTexts<3> from = ids;
    const void* block = from.block();
    PackedTexts<3> to = std::move(from);
    CHECK(to.block() == block);
    CHECK(to[2] == "thread-9");
  }
  SUBCASE("a text of any bytes, UTF-8 included, comes back whole") {
    const std::string text = "Chào shop, còn hàng không? \xF0\x9F\x98\x8A";
    const CompactText t(text);
    CHECK(t == text);
    CHECK(std::string(t.view()) == text);
    CHECK(CompactText("").empty());
  }
}

TEST_CASE("a rare value is absent until changed, and copied deeply") {
  Rare<std::vector<int>> r;
  CHECK(r.block() == nullptr);
  CHECK(r.get().empty());
  r.edit().push_back(7);
  REQUIRE(r.block() != nullptr);
  Rare<std::vector<int>> copy = r;
  copy.edit().push_back(8);
  CHECK(r.get() == std::vector<int>{7});
  CHECK(copy.get() == std::vector<int>{7, 8});
}

namespace {

// Every key hashes alike: each key after the first is a collision.
struct SameHash {
  std::uint64_t operator()(std::string_view) const { return 42; }
};

}  // namespace

TEST_CASE("a hashed index stays exact when hashes collide") {
  // The values carry their keys, as a conversation carries its channel ids.
  std::vector<std::string> keys{"page1:a", "page1:b", "page2:a", "x"};
  const auto is = [&keys](std::string_view key) {
    return [&keys, key](std::size_t value) { return keys[value] == key; };
  };
  HashedIndex<std::size_t, SameHash> index;
  for (std::size_t i = 0; i < keys.size(); ++i) CHECK(index.insert(keys[i], i, is(keys[i])));
  CHECK(index.size() == keys.size());
  CHECK(index.collided() == keys.size() - 1);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::size_t* found = index.find(keys[i], is(keys[i]));
    REQUIRE(found != nullptr);
    CHECK(*found == i);
  }
  CHECK(index.find("page3:a", is("page3:a")) == nullptr);
  CHECK_FALSE(index.insert("page1:b", 9, is("page1:b")));  // known: unchanged
  CHECK(*index.find("page1:b", is("page1:b")) == 1);
  std::size_t sum = 0;
  index.for_each([&sum](std::size_t v) { sum += v; });
  CHECK(sum == 0 + 1 + 2 + 3);

  HashedIndex<std::size_t> spread;  // the real hash: no collisions among these
  for (std::size_t i = 0; i < keys.size(); ++i) CHECK(spread.insert(keys[i], i, is(keys[i])));
  CHECK(spread.collided() == 0);
  CHECK(*spread.find("page2:a", is("page2:a")) == 2);
  index.clear();
  CHECK(index.size() == 0);
  CHECK(index.find("x", is("x")) == nullptr);
}
