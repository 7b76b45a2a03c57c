// A growable array kept in fixed chunks: appending never moves what is already stored, so it
// never stalls on a reallocation of everything (a std::vector of a million leads moved all of them
// when it grew past a power of two: 150-380 ms on the engine thread), and it wastes at most one
// chunk instead of up to half the capacity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

namespace salesdesk::core {

template <class T, std::size_t ChunkSize = 4096>
class ChunkedVector {
 public:
  ChunkedVector() = default;
  ChunkedVector(ChunkedVector&&) noexcept = default;
  ChunkedVector& operator=(ChunkedVector&&) noexcept = default;
  ChunkedVector(const ChunkedVector& other) { *this = other; }
  ChunkedVector& operator=(const ChunkedVector& other) {
    if (this == &other) return *this;
    clear();
    for (const T& v : other) push_back(v);
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Slots allocated (for memory figures).
  std::size_t capacity() const { return chunks_.size() * ChunkSize; }

  T& operator[](std::size_t i) { return chunks_[i / ChunkSize][i % ChunkSize]; }
  const T& operator[](std::size_t i) const { return chunks_[i / ChunkSize][i % ChunkSize]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  void push_back(T value) {
    if (size_ == capacity()) chunks_.push_back(std::make_unique<T[]>(ChunkSize));
    (*this)[size_] = std::move(value);
    ++size_;
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;
    const_iterator() = default;
    const_iterator(const ChunkedVector* v, std::size_t i) : v_(v), i_(i) {}
    const T& operator*() const { return (*v_)[i_]; }
    const T* operator->() const { return &(*v_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++i_;
      return before;
    }
    const_iterator operator+(std::size_t n) const { return {v_, i_ + n}; }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    const ChunkedVector* v_ = nullptr;
    std::size_t i_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

  // cereal: the count, then each element.
  template <class A>
  void save(A& ar) const {
    ar(cereal_size(size_));
    for (const T& v : *this) ar(v);
  }
  template <class A>
  void load(A& ar) {
    cereal_size n = 0;
    ar(n);
    clear();
    for (cereal_size i = 0; i < n; ++i) {
      T v{};
      ar(v);
      push_back(std::move(v));
    }
  }

 private:
  using cereal_size = std::uint64_t;
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace salesdesk::core
