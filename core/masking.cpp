#include "core/masking.hpp"

#include <functional>
#include <vector>

#include "core/phone.hpp"
#include "core/state.hpp"
#include "core/text.hpp"

namespace salesdesk::core {

bool masks_for(const State& s, UserId viewer) {
  if (!s.settings[setting::pool_mask_phone]) return false;
  if (viewer == anonymous_sale) return true;
  const User* u = s.users.find(viewer);
  return u != nullptr && !is_manager_or_admin(*u);
}

bool phone_hidden_from(const State& s, UserId viewer, const std::string& phone) {
  if (!masks_for(s, viewer)) return false;
  bool pooled = false;
  bool known = false;
  s.leads.each_with_phone(phone_key(phone), [&](const Lead& l) {
    const OpenView* v = s.leads.view_of(l.id);
    known = l.owner_id == viewer || (v != nullptr && v->by == viewer);  // they own it or view it
    pooled = pooled || l.in_pool;
    return !known;
  });
  return pooled && !known;
}

std::string visible_phone(const State& s, UserId viewer, const std::string& phone) {
  return phone_hidden_from(s, viewer, phone) ? mask_phone(phone) : phone;
}

namespace {

// One code point of a text, where it is, and what it means for phone finding.
enum class Kind { digit, separator, invisible, other };
struct Glyph {
  std::size_t begin = 0;
  std::size_t end = 0;
  Kind kind = Kind::other;
  char digit = 0;
};

bool separator(char32_t cp) {
  switch (cp) {
    case ' ': case '.': case '-': case '/': case '_': case ',': case '(': case ')': case '+':
    case '\t': case 0xa0: case 0x3000: case 0x2010: case 0x2011: case 0x2012: case 0x2013:
    case 0x2014: case 0x2212: case 0xff0e: case 0xff0d: case 0xff0f: case 0xff3f: case 0xff0c:
    case 0xff08: case 0xff09: case 0xff0b: case 0x3001: case 0x3002:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;  // the typographic spaces
  }
}

Glyph classify(std::string_view text, std::size_t& i) {
  Glyph g{i, i, Kind::other, 0};
  const char32_t cp = next_code_point(text, i);
  g.end = i;
  if (cp >= '0' && cp <= '9') {
    g.kind = Kind::digit;
    g.digit = static_cast<char>(cp);
  } else if (cp >= 0xff10 && cp <= 0xff19) {  // full-width digits, as NFKC reads them
    g.kind = Kind::digit;
    g.digit = static_cast<char>('0' + (cp - 0xff10));
  } else if (invisible(cp) || (cp >= 0x202a && cp <= 0x202e)) {  // direction overrides too
    g.kind = Kind::invisible;
  } else if (separator(cp)) {
    g.kind = Kind::separator;
  }
  return g;
}

// The phone-like runs of a text: digits with at most `gap_max` separators between two of them
// (invisible characters do not count), each run as the indexes of its digit glyphs.
constexpr int gap_max = 3;

std::vector<std::vector<std::size_t>> phone_runs(const std::vector<Glyph>& glyphs) {
  std::vector<std::vector<std::size_t>> runs;
  std::vector<std::size_t> run;
  int gap = 0;
  const auto close = [&] {
    if (run.size() >= phone_like_digits_min) runs.push_back(run);
    run.clear();
    gap = 0;
  };
  for (std::size_t k = 0; k < glyphs.size(); ++k) {
    switch (glyphs[k].kind) {
      case Kind::digit:
        run.push_back(k);
        gap = 0;
        break;
      case Kind::separator:
        if (++gap > gap_max) close();
        break;
      case Kind::invisible:
        break;
      case Kind::other:
        close();
        break;
    }
  }
  close();
  return runs;
}

std::vector<Glyph> glyphs_of(std::string_view text) {
  std::vector<Glyph> out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) out.push_back(classify(text, i));
  return out;
}

// Rewrites the text with the chosen runs' middle digits as '*' (first and last 3 kept), and
// the invisible characters inside those runs dropped, so a masked number cannot be re-read
// from what was hidden between its digits.
std::string rewrite(std::string_view text, const std::vector<Glyph>& glyphs,
                    const std::vector<std::vector<std::size_t>>& masked) {
  std::vector<char> mark(glyphs.size(), 0);  // 1 = digit to mask, 2 = drop
  for (const auto& run : masked) {
    for (std::size_t d = 3; d + 3 < run.size(); ++d) mark[run[d]] = 1;
    for (std::size_t k = run.front(); k <= run.back(); ++k) {
      if (glyphs[k].kind == Kind::invisible) mark[k] = 2;
    }
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t k = 0; k < glyphs.size(); ++k) {
    if (mark[k] == 2) continue;
    if (mark[k] == 1) {
      out.push_back('*');
    } else {
      out.append(text.substr(glyphs[k].begin, glyphs[k].end - glyphs[k].begin));
    }
  }
  return out;
}

std::string mask_runs_where(std::string_view text,
                            const std::function<bool(const std::string& digits)>& hidden) {
  const std::vector<Glyph> glyphs = glyphs_of(text);
  std::vector<std::vector<std::size_t>> masked;
  for (auto& run : phone_runs(glyphs)) {
    std::string digits;
    for (std::size_t k : run) digits.push_back(glyphs[k].digit);
    if (hidden(digits)) masked.push_back(std::move(run));
  }
  if (masked.empty()) return std::string(text);
  return rewrite(text, glyphs, masked);
}

// Whether a run of digits holds a number hidden from the viewer: every national number that
// could be read from it (a 0 and nine digits from any position, which covers 0912..., 84912...,
// 380671... and a number written without its 0; or an old 11-digit VN mobile), and the run as an
// international number.
bool holds_hidden(const State& s, UserId viewer, const std::string& digits) {
  for (std::size_t i = 0; i + 9 <= digits.size(); ++i) {
    if (phone_hidden_from(s, viewer, "0" + digits.substr(i, 9))) return true;
    if (i + 11 <= digits.size() && digits.compare(i, 2, "01") == 0 &&
        phone_hidden_from(s, viewer, renumber_vn(digits.substr(i, 11)))) {
      return true;
    }
  }
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (phone_hidden_from(s, viewer, "+" + digits.substr(i))) return true;
  }
  return false;
}

}  // namespace

std::string mask_phone_like(std::string_view text) {
  return mask_runs_where(text, [](const std::string&) { return true; });
}

std::string visible_text(const State& s, UserId viewer, const std::string& text) {
  if (!masks_for(s, viewer) || s.leads.pool.empty()) return text;
  return mask_runs_where(
      text, [&](const std::string& digits) { return holds_hidden(s, viewer, digits); });
}

std::string pool_text(const State& s, UserId viewer, const std::string& text) {
  if (!masks_for(s, viewer)) return text;
  return mask_phone_like(text);
}

}  // namespace salesdesk::core
