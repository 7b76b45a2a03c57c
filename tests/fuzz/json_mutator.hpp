// Structure-aware mutations for the JSON targets (fuzz_ws, fuzz_ops). libFuzzer's byte-level
// mutations rarely keep a document well-formed, and almost never turn `"cursor": 3` into
// `"cursor": -1`: that takes inserting one byte at one place in one input of hundreds. This
// mutator parses the document, changes one value (a boundary number, a word of the target's
// dictionary, another type, a key added or removed, an element duplicated) and writes it back,
// so every mutation is a request the server has to answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace salesdesk::fuzz {

class JsonMutator {
 public:
  // `dictionary`: a libFuzzer dictionary file; its entries become keys and string values.
  explicit JsonMutator(const std::string& dictionary);

  // Mutates the JSON document `text` in place; false when `text` is not JSON.
  bool mutate(std::string& text, std::minstd_rand& random) const;

  const std::vector<std::string>& words() const { return words_; }

 private:
  std::vector<std::string> words_;
};

// The body of LLVMFuzzerCustomMutator for a target whose input is `prefix` bytes (up to the
// first newline, when `split_line`) followed by a JSON document: half of the time libFuzzer's
// own mutations, else a JSON mutation, and (with `split_line`) sometimes another first line
// from `lines`.
std::size_t mutate_input(const JsonMutator& mutator, const std::vector<std::string>& lines, bool split_line,
                         std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed);

}  // namespace salesdesk::fuzz
