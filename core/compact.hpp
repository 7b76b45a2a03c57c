// Small holders for the records a projection keeps by the million (docs/PERFORMANCE.md (k)):
// where a std::string takes 32 bytes in its record and a std::vector 24, even empty, these take
// 8 (one pointer, null when there is nothing to hold).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace salesdesk::core {

// N texts in one heap block: their lengths (4 bytes each), then their bytes one after another.
// Null when all N are empty. Immutable: a change builds a new block.
template <std::size_t N>
class PackedTexts {
 public:
  PackedTexts() = default;
  explicit PackedTexts(const std::array<std::string_view, N>& texts) {
    std::size_t bytes = 0;
    for (std::string_view t : texts) bytes += t.size();
    if (bytes == 0) return;
    block_ = std::make_unique_for_overwrite<char[]>(header + bytes);
    char* out = block_.get() + header;
    for (std::size_t i = 0; i < N; ++i) {
      const auto size = static_cast<std::uint32_t>(texts[i].size());
      std::memcpy(block_.get() + i * sizeof size, &size, sizeof size);
      std::memcpy(out, texts[i].data(), size);
      out += size;
    }
  }
  PackedTexts(const PackedTexts& other) : PackedTexts(other.views()) {}
  PackedTexts& operator=(const PackedTexts& other) {
    if (this != &other) *this = PackedTexts(other.views());
    return *this;
  }
  PackedTexts(PackedTexts&&) noexcept = default;
  PackedTexts& operator=(PackedTexts&&) noexcept = default;

  std::string_view operator[](std::size_t i) const {
    if (!block_) return {};
    std::size_t offset = header;
    for (std::size_t k = 0; k < i; ++k) offset += size_of(k);
    return {block_.get() + offset, size_of(i)};
  }
  std::array<std::string_view, N> views() const {
    std::array<std::string_view, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = (*this)[i];
    return out;
  }
  // The heap block, for memory figures (nullptr when there is none).
  const void* block() const { return block_.get(); }

 private:
  static constexpr std::size_t header = N * sizeof(std::uint32_t);
  std::uint32_t size_of(std::size_t i) const {
    std::uint32_t size = 0;
    std::memcpy(&size, block_.get() + i * sizeof size, sizeof size);
    return size;
  }
  std::unique_ptr<char[]> block_;
};

// One text held as PackedTexts<1>, read as a std::string_view.
class CompactText {
 public:
  CompactText() = default;
  explicit CompactText(std::string_view text) : texts_({text}) {}
  std::string_view view() const { return texts_[0]; }
  operator std::string_view() const { return view(); }
  bool empty() const { return view().empty(); }
  bool operator==(std::string_view other) const { return view() == other; }
  const PackedTexts<1>& texts() const { return texts_; }

 private:
  PackedTexts<1> texts_;
};

// A value that most records do not have, held on the heap: absent (null) until first changed,
// copied deeply. Reading an absent one gives a default value.
template <class T>
class Rare {
 public:
  Rare() = default;
  Rare(const Rare& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  Rare& operator=(const Rare& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  Rare(Rare&&) noexcept = default;
  Rare& operator=(Rare&&) noexcept = default;

  const T& get() const { return value_ ? *value_ : empty(); }
  // The value to change, made when absent.
  T& edit() {
    if (!value_) value_ = std::make_unique<T>();
    return *value_;
  }
  const void* block() const { return value_.get(); }

 private:
  static const T& empty() {
    static const T none{};
    return none;
  }
  std::unique_ptr<T> value_;
};

}  // namespace salesdesk::core
