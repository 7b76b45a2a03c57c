// Reads "COUNTRY<TAB>RAW" lines and prints the normalised phone or "invalid" for each, so that
// phone_corpus_test.py can compare core's normaliser with python3-phonenumbers.
#include <iostream>
#include <string>

#include "core/phone.hpp"

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) {
      std::cout << "invalid\n";
      continue;
    }
    auto r = salesdesk::core::normalize_phone(line.substr(tab + 1), line.substr(0, tab));
    std::cout << (r.ok() ? r.value() : std::string("invalid")) << '\n';
  }
}
