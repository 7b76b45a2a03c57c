#include "tests/fuzz/json_mutator.hpp"

#include <boost/json.hpp>
#include <cstring>
#include <fstream>
#include <limits>

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace salesdesk::fuzz {
namespace {

namespace json = boost::json;

// Numbers at the edges of every check the protocol makes: signs, zero, the int64 and uint64
// ends, 2^53 (the largest exact integer of a double and of JavaScript), page and field limits,
// and doubles that no integer field should take.
const std::vector<json::value>& boundary_numbers() {
  static const std::vector<json::value> numbers = {
      json::value(-1),   json::value(0),     json::value(1),      json::value(2),
      json::value(-2),   json::value(3),     json::value(100),    json::value(500),
      json::value(501),  json::value(1000),  json::value(1001),   json::value(86400),
      json::value(86401), json::value(std::numeric_limits<std::int64_t>::min()),
      json::value(std::numeric_limits<std::int64_t>::max()), json::value(std::numeric_limits<std::uint64_t>::max()),
      json::value(9007199254740992LL), json::value(9007199254740993LL), json::value(-9007199254740993LL),
      json::value(0.5),  json::value(-0.0),  json::value(12.345), json::value(1e19),
      json::value(-1e19), json::value(1e308), json::value(-1.5)};
  return numbers;
}

// Strings that break parsers of numbers, times, phones and text.
const std::vector<std::string>& boundary_strings() {
  static const std::vector<std::string> strings = {
      "", "-1", "0", "1", "-0", "+1", " 1", "1e3", "0x10", "99999999999999999999", "-9223372036854775808",
      "9223372036854775807", "2026-11-18T00:00:00.000Z", "2026-02-30T25:61:61Z", "1969-12-31T23:59:59Z",
      "0912345678", "+84 912 345 678", "+380671234567", "00", "+", "Đơn hàng", "Олена", std::string(1, '\0'),
      std::string(300, 'x'), std::string(5000, 'y'), "\xF0\x9F\x98\x80", " ", "a\tb\nc"};
  return strings;
}

template <class T>
const T& pick(const std::vector<T>& v, std::minstd_rand& random) {
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(random)];
}

std::string unescape(std::string_view entry) {
  std::string out;
  for (std::size_t i = 0; i < entry.size(); ++i) {
    if (entry[i] != '\\' || i + 1 == entry.size()) {
      out.push_back(entry[i]);
    } else if (entry[i + 1] == 'x' && i + 3 < entry.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(entry.substr(i + 2, 2)), nullptr, 16)));
      i += 3;
    } else {
      out.push_back(entry[++i]);
    }
  }
  return out;
}

void collect(json::value& v, std::vector<json::value*>& out) {
  out.push_back(&v);
  if (v.is_object()) {
    for (auto& kv : v.get_object()) collect(kv.value(), out);
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) collect(x, out);
  }
}

json::value scalar(const JsonMutator& m, std::minstd_rand& random) {
  switch (random() % 8) {
    case 0: return nullptr;
    case 1: return random() % 2 == 0;
    case 2: return json::array{};
    case 3: return json::object{};
    case 4: case 5: return pick(boundary_numbers(), random);
    case 6: return json::string(pick(boundary_strings(), random));
    default: return m.words().empty() ? json::value("") : json::value(pick(m.words(), random));
  }
}

void mutate_container(const JsonMutator& m, json::value& v, std::minstd_rand& random) {
  if (v.is_object()) {
    json::object& o = v.get_object();
    if (!o.empty() && random() % 3 == 0) {
      o.erase(std::next(o.begin(), static_cast<std::ptrdiff_t>(random() % o.size())));
    } else if (!m.words().empty()) {
      o[pick(m.words(), random)] = scalar(m, random);
    }
  } else {
    json::array& a = v.get_array();
    if (!a.empty() && random() % 3 == 0) {
      a.erase(a.begin() + static_cast<std::ptrdiff_t>(random() % a.size()));
    } else if (!a.empty() && random() % 2 == 0) {
      a.push_back(json::value(a[random() % a.size()]));
    } else {
      a.push_back(scalar(m, random));
    }
  }
}

void mutate_value(const JsonMutator& m, json::value& v, std::minstd_rand& random) {
  const bool container = v.is_object() || v.is_array();
  if (container && random() % 4 != 0) return mutate_container(m, v, random);
  if (v.is_number() && random() % 2 == 0) {
    v = pick(boundary_numbers(), random);
  } else if (v.is_string() && random() % 2 == 0) {
    v = random() % 2 == 0 || m.words().empty() ? json::value(pick(boundary_strings(), random))
                                               : json::value(pick(m.words(), random));
  } else {
    v = scalar(m, random);
  }
}

}  // namespace

JsonMutator::JsonMutator(const std::string& dictionary) {
  std::ifstream in(dictionary);
  std::string line;
  while (std::getline(in, line)) {
    const auto open = line.find('"');
    const auto close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
    std::string word = unescape(std::string_view(line).substr(open + 1, close - open - 1));
    if (word.size() >= 2 && word.front() == '"' && word.back() == '"') word = word.substr(1, word.size() - 2);
    if (!word.empty()) words_.push_back(std::move(word));
  }
}

bool JsonMutator::mutate(std::string& text, std::minstd_rand& random) const {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return false;
  const int rounds = 1 + static_cast<int>(random() % 3);
  for (int i = 0; i < rounds; ++i) {
    std::vector<json::value*> nodes;
    collect(doc, nodes);
    mutate_value(*this, *pick(nodes, random), random);
  }
  text = json::serialize(doc);
  return true;
}

std::size_t mutate_input(const JsonMutator& mutator, const std::vector<std::string>& lines, bool split_line,
                         std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed) {
  std::minstd_rand random(seed);
  if (random() % 2 == 0) return LLVMFuzzerMutate(data, size, max_size);
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string line;
  if (split_line) {
    const auto newline = input.find('\n');
    line = input.substr(0, newline);
    input = newline == std::string::npos ? std::string("{}") : input.substr(newline + 1);
    if (!lines.empty() && random() % 8 == 0) line = pick(lines, random);
  }
  if (input.empty()) input = "{}";
  if (!mutator.mutate(input, random)) return LLVMFuzzerMutate(data, size, max_size);
  const std::string out = split_line ? line + "\n" + input : input;
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

}  // namespace salesdesk::fuzz
