// Who may see which phone number (SPEC.md section 3 "Masking and the eye"). The whole rule is
// here, in one place; schema/protocol.md has it as a table, and tests/core/masking_test.cpp
// checks that table.
//
// With pool.mask_phone on, a number is hidden from a sale while a lead with that number is in
// the pool, unless the sale owns a lead with it or has an open view (reveal) of it. Managers and
// admin always see numbers. A number that leaves the pool is no longer the pool's secret: its
// new owner's, like any customer's number. With the pool off nothing is in it, so nothing is
// hidden.
//
// Texts are masked two ways. In pool contexts (a pool row's last note, the duplicate list of a
// pool row) every phone-like number is masked for a sale, known to the unit or not. Elsewhere
// (a customer's notes, an order's note, a lead's notes) a number is masked when it is hidden
// from the viewer by the rule above. A number is found in a text after normalising it as a
// person reads it: full-width digits count as digits, invisible characters (zero-width spaces,
// joiners, soft hyphens, bidi marks) are ignored, and digits may be separated by spaces, dots,
// dashes, slashes, underscores, commas, parentheses or a plus.
#pragma once

#include <string>
#include <string_view>

#include "core/types.hpp"

namespace salesdesk::core {

struct State;

// The viewpoint of a sale who owns nothing and views nothing: what a broadcast to all sales may
// show.
constexpr UserId anonymous_sale = -1;

// A run of this many digits or more, separators allowed between them, is phone-like.
constexpr std::size_t phone_like_digits_min = 9;

// Whether a normalised phone is hidden from the viewer (the rule above).
bool phone_hidden_from(const State& s, UserId viewer, const std::string& phone);
// The phone as this viewer may see it: masked when hidden.
std::string visible_phone(const State& s, UserId viewer, const std::string& phone);
// A text outside the pool: numbers hidden from the viewer masked.
std::string visible_text(const State& s, UserId viewer, const std::string& text);
// A text in a pool context: every phone-like number masked for a sale while masking is on.
std::string pool_text(const State& s, UserId viewer, const std::string& text);
// Whether the viewer is one from whom pool numbers may be hidden at all (a sale, with masking on).
bool masks_for(const State& s, UserId viewer);

// Every phone-like run of a text masked: the first 3 and last 3 digits of each run stay.
std::string mask_phone_like(std::string_view text);

}  // namespace salesdesk::core
