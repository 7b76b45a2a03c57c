// Reads "COUNTRY<TAB>RAW" lines and prints the normalised phone or "invalid" for each, so that
// phone_corpus_test.py can compare core's normaliser with python3-phonenumbers; and
// "FIND<TAB>COUNTRY<TAB>TEXT" lines, for which it prints the phones core finds in the text
// (core::find_phones, as an inbound message is read), joined by commas, or an empty line.
#include <iostream>
#include <string>

#include "core/conversation.hpp"
#include "core/phone.hpp"

namespace {

std::string found(const std::string& rest) {
  const auto tab = rest.find('\t');
  if (tab == std::string::npos) return "";
  std::string out;
  for (const std::string& phone :
       salesdesk::core::find_phones(rest.substr(tab + 1), rest.substr(0, tab))) {
    out += (out.empty() ? "" : ",") + phone;
  }
  return out;
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.starts_with("FIND\t")) {
      std::cout << found(line.substr(5)) << '\n';
      continue;
    }
    const auto tab = line.find('\t');
    if (tab == std::string::npos) {
      std::cout << "invalid\n";
      continue;
    }
    auto r = salesdesk::core::normalize_phone(line.substr(tab + 1), line.substr(0, tab));
    std::cout << (r.ok() ? r.value() : std::string("invalid")) << '\n';
  }
}
