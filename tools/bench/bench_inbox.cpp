// bench_inbox: the shared inbox at size, in-process on core (no network, no engine thread):
// bytes per conversation and per message in core::State, and inbox.query's work.
//
// The floor: the bootstrap's admin, 4 managers and 25 sales (30 users), 20 pages of skewed size
// (16% of the conversations down to 1%), inbox.page_permissions on and visibility `all`; each
// sale may work on 2 or 3 pages, the managers on all of them. Every event is built by a fixed
// seed and folded with core::evolve, as replay does; time runs over 90 days of history.
//
// (a) Memory, as bench_memory measures it: heap in use (mallinfo2, exact) before and after each
//     step of a fresh state, repeated --reps times, medians; RSS (/proc/self/statm after
//     malloc_trim) over the whole build. The steps:
//       1. K customer cards (CustomerCreated: a Vietnamese name, no phone), K = 90% of C;
//       2. C conversations (ConversationStarted: a 16-digit channel user id; one in ten is a
//          comment thread with a post id and a thread id; one in ten is a known customer's
//          second conversation);
//       3. the first message of each (MessageReceived, a short text, no phones);
//       4. M - C further messages (MessageReceived, short texts, no phones) spread over the
//          conversations, the recent ones more often.
//     A conversation's own bytes are steps 2 and 3 less one further message (its first message
//     counts as a message). "Strings aside" takes out the heap buffers (malloc_usable_size plus
//     the chunk header) of every string longer than the 15 bytes std::string holds inline:
//     the external ids (the conversation's own copies, the identity map's key and the
//     conversation key of by_key) and the preview of the last message. Each index is measured
//     on a copy, and the slowest single evolve of each step is printed (an engine stall).
// (b) inbox.query's work on the last state, after some texture that is outside the figures of
//     (a): 80% assigned to a sale of their page, 75% answered (MessageSent), 40% of the rest
//     marked read, 85% of the answered closed, 8% with a phone, 15% tagged (30 tags, skewed).
//     Per query, both timed apart: core::query_inbox(state, viewer, filters, sort, after, 50),
//     and the engine stage of the real op (app::find_op("inbox.query"), arguments prepared
//     before the clock starts): authorisation, the same query, every summary rendered by the
//     protocol's summary_json and serialised. No network, no queue, no text search (`q`).
//     Also core::count_inbox and the inbox.counts op. The baseline, in the same run: the first
//     50 slots of the biggest page's activity index, newest first, each conversation looked up.
//     Cases rotate their order per repetition; wall-clock p50/p99 and the p99 of the thread's
//     CPU time per query (which a busy shared machine does not inflate by preempting us).
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/protocol.hpp"
#include "core/commands.hpp"
#include "core/conversation.hpp"
#include "core/state.hpp"
#include "tools/bench/bench_common.hpp"

namespace {

using namespace salesdesk;
namespace bench = salesdesk::bench;
using bench::heap_bytes;
using bench::trimmed_rss;
using bench::thread_cpu_us;
using bench::pct;
using bench::string_heap;
using bench::heap_of_copy;
namespace json = boost::json;

constexpr const char* usage =
    "usage: bench_inbox [--conversations 100000] [--messages 1000000] [--reps 3]\n"
    "                   [--queries 2500] [--query-reps 5] [--case-budget-s 0.6]\n"
    "Builds an inbox of C conversations and M messages (M >= C) in core::State, prints heap\n"
    "bytes per conversation and per message, then times inbox.query's work (50 per page) per\n"
    "query. --queries is per case over all --query-reps; a case's repetition stops after\n"
    "--case-budget-s seconds.";

constexpr core::Time base_time = 1'780'000'000'000;  // 2026-05-28
constexpr core::Time ms_per_min = 60'000;
constexpr core::Time history_ms = 90LL * 24 * 60 * ms_per_min;
constexpr std::size_t pages_count = 20;
constexpr std::size_t managers_count = 4;
constexpr std::size_t sales_count = 25;
constexpr std::size_t page_size = 50;  // inbox.query's default limit
constexpr core::UserId admin_id = 1;   // the bootstrap's admin
// Share of the conversations per page, in percent (the first page is the biggest).
constexpr std::array<int, pages_count> page_weights = {16, 12, 10, 8, 7, 6, 5, 5, 4, 4,
                                                       3,  3,  3,  3, 2, 2, 2, 2, 2, 1};
static_assert([] {
  int sum = 0;
  for (int w : page_weights) sum += w;
  return sum == 100;
}());

// ---- numbers and texts from a seed ----
// splitmix64: a fixed, fast sequence, so every run builds the same state.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A uniform number in [0, 1).
double unit(std::uint64_t r) { return static_cast<double>(r >> 11) / 9007199254740992.0; }

template <std::size_t N>
const char* pick(const std::array<const char*, N>& table, std::uint64_t r) {
  return table[r % N];
}

std::string customer_name(std::uint64_t r) {
  static constexpr std::array<const char*, 16> family = {
      "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê",
      "Lê",     "Phạm",   "Hoàng",  "Huỳnh",  "Phan",   "Vũ",   "Võ",   "Đặng"};
  static constexpr std::array<const char*, 8> middle = {"Văn",  "Thị",  "Hữu",   "Đức",
                                                        "Minh", "Ngọc", "Thanh", "Thu"};
  static constexpr std::array<const char*, 16> given = {
      "An",   "Bình", "Chi",  "Dũng", "Giang", "Hà",   "Hải",   "Hoa",
      "Hùng", "Lan",  "Linh", "Mai",  "Nam",   "Phúc", "Trang", "Yến"};
  return std::string(pick(family, r)) + " " + pick(middle, r >> 8) + " " + pick(given, r >> 16);
}

// What customers write first and later: short, some within 15 bytes, no phone numbers.
const char* customer_text(std::uint64_t r) {
  static constexpr std::array<const char*, 12> texts = {"Chào shop",
                                                        "Giá bao nhiêu ạ?",
                                                        "còn hàng ko",
                                                        "Shop ơi tư vấn giúp em",
                                                        "ok",
                                                        "Ship về Hà Nội mấy ngày ạ?",
                                                        "size M còn không",
                                                        "em lấy 2 hộp",
                                                        "Cảm ơn shop",
                                                        "Có freeship không ạ",
                                                        "??",
                                                        "Mẫu này còn màu khác không shop"};
  return pick(texts, r);
}

const char* tag_name(std::size_t index) {
  static constexpr std::array<const char*, 30> tags = {
      "đã chốt",    "hỏi giá",    "khách sỉ", "vip",       "chờ hàng",   "đã cọc",
      "ship COD",   "tư vấn lại", "đổi trả",  "khiếu nại", "combo tết",  "trà xanh",
      "mật ong",    "cà phê",     "hạt điều", "yến sào",   "quà biếu",   "doanh nghiệp",
      "livestream", "flash sale", "khách cũ", "khách mới", "giới thiệu", "chuyển khoản",
      "hủy đơn",    "hoàn tiền",  "bảo hành", "spam",      "đối thủ",    "khác"};
  return tags[index];
}

// A page-scoped channel user id, as Facebook's PSIDs: 16 digits.
std::string channel_user_id(std::uint64_t r) {
  return std::to_string(2'400'000'000'000'000ULL + r % 1'000'000'000'000'000ULL);
}

double us_since(bench::Clock::time_point started) {
  return std::chrono::duration<double, std::micro>(bench::Clock::now() - started).count();
}

// ---- the floor: pages, people, who may work where ----
struct Floor {
  std::vector<core::PageId> pages;
  std::vector<core::UserId> managers;
  std::vector<core::UserId> sales;
  std::vector<std::vector<core::UserId>> sales_of_page;  // by page index
  std::vector<std::vector<core::PageId>> pages_of_sale;  // by sale index
};

// Folds one event in; returns how long it took, in microseconds.
double fold(core::State& s, const core::Event& e, core::Time at) {
  const auto started = bench::Clock::now();
  core::evolve(s, e, at);
  ++s.seq;
  return us_since(started);
}

core::UserId add_user(core::State& s, const std::string& name, core::Role role) {
  const core::UserId id = s.users.next_id();
  const core::Secret hash{"pbkdf2-sha256$120000$" + std::string(32, 'a') + "$" +
                          std::string(64, 'b')};
  fold(s, core::Event{core::UserCreated{id, name, name + " name", role, hash, {}}}, base_time);
  return id;
}

core::PageId add_page(core::State& s, std::size_t index) {
  core::PageConnected e;
  e.page_id = s.pages.next_id();
  e.channel = core::Channel::facebook;
  e.external_id = std::to_string(100'000'000'000'000 + index);
  e.page_name = "Trà Việt " + std::to_string(index + 1);
  e.secret = core::Secret{"app-secret"};
  e.token = core::Secret{"page-token"};
  fold(s, core::Event{e}, base_time);
  return e.page_id;
}

// Sale j works on pages j, j+7 and, for even j, j+13 (mod 20): every page has 3 or 4 sales.
void grant_pages(core::State& s, Floor& f) {
  f.sales_of_page.assign(pages_count, {});
  f.pages_of_sale.assign(sales_count, {});
  for (std::size_t j = 0; j < sales_count; ++j) {
    std::vector<std::size_t> mine = {j % pages_count, (j + 7) % pages_count};
    if (j % 2 == 0) mine.push_back((j + 13) % pages_count);
    for (std::size_t p : mine) {
      f.sales_of_page[p].push_back(f.sales[j]);
      f.pages_of_sale[j].push_back(f.pages[p]);
    }
  }
  for (std::size_t p = 0; p < pages_count; ++p) {
    std::vector<core::UserId> users = f.sales_of_page[p];
    users.insert(users.end(), f.managers.begin(), f.managers.end());
    fold(s, core::Event{core::PageAccessSet{f.pages[p], users, {}}}, base_time);
  }
}

Floor open_floor(core::State& s) {
  const auto boot = core::decide(
      s, core::system_actor, core::Command{core::Bootstrap{core::Secret{"pbkdf2$x"}}}, base_time);
  if (!boot) throw std::runtime_error("bootstrap: " + boot.error().message);
  for (const core::Event& e : boot.value()) fold(s, e, base_time);
  Floor f;
  for (std::size_t i = 0; i < managers_count; ++i) {
    f.managers.push_back(add_user(s, "manager" + std::to_string(i + 1), core::Role::manager));
  }
  for (std::size_t i = 0; i < sales_count; ++i) {
    f.sales.push_back(add_user(s, "sale" + std::to_string(i + 1), core::Role::sale));
  }
  for (std::size_t i = 0; i < pages_count; ++i) f.pages.push_back(add_page(s, i));
  fold(s,
       core::Event{core::SettingsChanged{
           {{"inbox.page_permissions", true}, {"inbox.visibility", std::string("all")}}}},
       base_time);
  grant_pages(s, f);
  return f;
}

// ---- the history ----
struct Shape {
  std::int64_t conversations = 0;
  std::int64_t customers = 0;
  std::int64_t messages = 0;
  core::Time start_of(std::int64_t i) const { return base_time + i * history_ms / conversations; }
  // One conversation in ten past the first K is a known customer's second one.
  core::CustomerId customer_of(std::int64_t i) const {
    if (i < customers) return i + 1;
    return 1 + static_cast<core::CustomerId>(mix(static_cast<std::uint64_t>(i) ^ 0xc0ffee) %
                                             static_cast<std::uint64_t>(customers));
  }
};

std::size_t page_index(std::uint64_t r) {
  int at = static_cast<int>(r % 100);
  for (std::size_t p = 0; p < pages_count; ++p) {
    if (at < page_weights[p]) return p;
    at -= page_weights[p];
  }
  return pages_count - 1;
}

core::ConversationStarted started(const Shape& shape, const Floor& f, std::int64_t i) {
  const std::uint64_t r = mix(static_cast<std::uint64_t>(i));
  core::ConversationStarted e;
  e.conversation_id = i + 1;
  e.page_id = f.pages[page_index(r)];
  e.customer_id = shape.customer_of(i);
  e.external_user_id = channel_user_id(r >> 7);
  if ((r >> 40) % 10 == 0) {
    e.kind = core::ConversationKind::comment;
    e.post_id = std::to_string(100'000'000'000'000 + (r >> 20) % 1000) + "_" +
                std::to_string(r % 1'000'000'000'000'000ULL);
    e.thread_id = e.post_id + "_" + std::to_string((r >> 3) % 1'000'000'000ULL);
  }
  return e;
}

core::MessageReceived received(core::State& s, core::ConversationId id, std::uint64_t r) {
  core::MessageReceived e;
  e.conversation_id = id;
  e.message_id = s.conversations.last_message_id + 1;
  e.external_id = "m_" + std::to_string(mix(static_cast<std::uint64_t>(e.message_id)));
  e.text = customer_text(r);
  return e;
}

// A step of the build: the heap it added and its slowest single evolve.
struct Step {
  std::int64_t records = 0;
  std::int64_t heap = 0;
  double slowest_us = 0;
  std::int64_t slowest_at = 0;  // the record of the slowest evolve, from 1
  double seconds = 0;
  double per_record() const { return static_cast<double>(heap) / static_cast<double>(records); }
};

template <class F>
Step step(std::int64_t records, F fold_one) {
  Step out;
  out.records = records;
  const std::int64_t heap0 = heap_bytes();
  const auto started = bench::Clock::now();
  for (std::int64_t i = 0; i < records; ++i) {
    const double us = fold_one(i);
    if (us <= out.slowest_us) continue;
    out.slowest_us = us;
    out.slowest_at = i + 1;
  }
  out.seconds = bench::seconds_since(started);
  out.heap = heap_bytes() - heap0;
  return out;
}

struct Built {
  std::unique_ptr<core::State> state;
  Floor floor;
  Shape shape;
  Step customers, starts, firsts, further;
  std::int64_t rss_before = 0, rss_after = 0;
};

// The further message k goes to a conversation started by its time, the recent ones more often.
core::ConversationId further_target(const Shape& shape, std::int64_t k, std::int64_t further) {
  const std::int64_t by_now = std::min(
      shape.conversations, 1 + k * shape.conversations / std::max<std::int64_t>(1, further));
  const double u = unit(mix(static_cast<std::uint64_t>(k) ^ 0xfeed));
  const auto back = static_cast<std::int64_t>(static_cast<double>(by_now) * u * u);
  return std::max<std::int64_t>(1, by_now - back);
}

Built build(const Shape& shape) {
  Built b;
  b.shape = shape;
  b.state = std::make_unique<core::State>();
  core::State& s = *b.state;
  b.floor = open_floor(s);
  b.rss_before = trimmed_rss();
  b.customers = step(shape.customers, [&](std::int64_t i) {
    const core::CustomerCreated e{
        i + 1, customer_name(mix(static_cast<std::uint64_t>(i) + 7)), {}, "", 0};
    return fold(s, core::Event{e}, shape.start_of(i));
  });
  b.starts = step(shape.conversations, [&](std::int64_t i) {
    return fold(s, core::Event{started(shape, b.floor, i)}, shape.start_of(i));
  });
  b.firsts = step(shape.conversations, [&](std::int64_t i) {
    const core::Event e{received(s, i + 1, mix(static_cast<std::uint64_t>(i) ^ 0xf1))};
    return fold(s, e, shape.start_of(i));
  });
  const std::int64_t further = shape.messages - shape.conversations;
  b.further = step(further, [&](std::int64_t k) {
    const core::ConversationId id = further_target(shape, k, further);
    const core::Time at = std::max(base_time + k * history_ms / std::max<std::int64_t>(1, further),
                                   s.conversations.find(id)->last_at);
    return fold(s, core::Event{received(s, id, mix(static_cast<std::uint64_t>(k)))}, at);
  });
  b.rss_after = trimmed_rss();
  return b;
}

// ---- (a) memory ----
// The heap the strings of the projection own past their inline 15 bytes, per kind.
struct Strings {
  double external_ids = 0;  // in Conversation: external_user_id, post_id, thread_id
  double previews = 0;      // Conversation::last_text
  double names = 0;         // Customer::name
  double name_words = 0;    // by_word keys (folded words of the names)
  double conversation_total() const { return external_ids + previews; }
};

// The texts' bytes in a block of core::PackedTexts: its heap (with the chunk header) less the
// lengths it starts with, which count as the conversation's own.
template <std::size_t N>
std::size_t texts_heap(const core::PackedTexts<N>& texts) {
  if (texts.block() == nullptr) return 0;
  return ::malloc_usable_size(const_cast<void*>(texts.block())) + sizeof(std::size_t) -
         N * sizeof(std::uint32_t);
}

Strings strings_of(const core::State& s) {
  Strings out;
  const core::Conversations& cs = s.conversations;
  for (const core::Conversation& c : cs.by_id) {
    out.external_ids += static_cast<double>(texts_heap(c.channel_ids));
    out.previews += static_cast<double>(texts_heap(c.last_text.texts()));
  }
  for (const core::Customer& c : s.customers.by_id) {
    out.names += static_cast<double>(string_heap(c.name));
  }
  for (const auto& [word, id] : s.customers.by_word) {
    out.name_words += static_cast<double>(string_heap(word));
  }
  return out;
}

struct Memory {
  double customer = 0, started = 0, first = 0, message = 0, rss_per_conversation = 0;
  double slowest_customer_ms = 0, slowest_start_ms = 0, slowest_first_ms = 0;
  double slowest_further_ms = 0;
};

Memory memory_of(const Built& b) {
  const auto c = static_cast<double>(b.shape.conversations);
  return {b.customers.per_record(),
          b.starts.per_record(),
          b.firsts.per_record(),
          b.further.records > 0 ? b.further.per_record() : 0.0,
          static_cast<double>(b.rss_after - b.rss_before) / c,
          b.customers.slowest_us / 1000,
          b.starts.slowest_us / 1000,
          b.firsts.slowest_us / 1000,
          b.further.slowest_us / 1000};
}

void print_indexes(const core::State& s) {
  const core::Conversations& cs = s.conversations;
  const auto per = [&](std::int64_t bytes) {
    return static_cast<double>(bytes) / static_cast<double>(cs.by_id.size());
  };
  const double by_id = static_cast<double>(cs.by_id.capacity() * sizeof(core::Conversation));
  std::cout << "index heap, measured on a copy of each (B per conversation; the strings' own "
               "buffers included where a copy holds them):\n"
            << "  by_id chunks (sizeof(Conversation) x capacity)       "
            << by_id / static_cast<double>(cs.by_id.size()) << "\n"
            << "  of which the links of activity_by_page, activity_by_assignee, waiting_by_page "
            << 3 * sizeof(core::IndexHook) << "\n"
            << "  by_key (64-bit hash -> id)                           "
            << per(heap_of_copy(cs.by_key)) << "\n"
            << "  identities (64-bit hash -> (origin, customer))       "
            << per(heap_of_copy(cs.identities)) << "\n"
            << "  newest_of_customer (chunks of ids by customer)       "
            << per(heap_of_copy(cs.newest_of_customer)) << "\n"
            << "  activity_by_tag                                      "
            << per(heap_of_copy(cs.activity_by_tag)) << "\n"
            << "  open_by_assignee (tallies)                           "
            << per(heap_of_copy(cs.open_by_assignee)) << "\n"
            << "  seen (flat set of 16-byte keys; a copy is sized to fit) "
            << per(heap_of_copy(cs.seen)) << "\n";
  // boost's flat set: 16-byte slots in groups of 15 with 16 bytes of metadata per group.
  const double slot = sizeof(core::SeenKey) + 16.0 / 15.0;
  const double most = static_cast<double>(cs.seen.max_load_factor());
  std::cout << "seen: " << cs.seen.size() << " keys in " << cs.seen.bucket_count()
            << " slots (load " << std::setprecision(3) << cs.seen.load_factor() << ", max " << most
            << std::setprecision(1) << "): " << slot << " B a slot, so "
            << slot / static_cast<double>(cs.seen.load_factor()) << " B a key now, " << slot / most
            << " B at the max load and " << 2 * slot / most << " B just after it doubles\n";
}

// The median of a field over the repetitions, and its spread.
struct Figure {
  double median = 0, low = 0, high = 0;
};

Figure figure(const std::vector<Memory>& reps, double Memory::*field) {
  std::vector<double> v;
  for (const Memory& m : reps) v.push_back(m.*field);
  return {bench::median(v), *std::min_element(v.begin(), v.end()),
          *std::max_element(v.begin(), v.end())};
}

void print_steps(const std::vector<Memory>& reps) {
  std::cout << "step                                         heap B/record   (low..high)"
               "  slowest evolve ms\n";
  const auto row = [&](const char* name, double Memory::*heap, double Memory::*slowest) {
    const Figure f = figure(reps, heap);
    std::cout << std::left << std::setw(45) << name << std::right << std::setw(13) << f.median
              << "  (" << f.low << ".." << f.high << ")" << std::setw(13)
              << figure(reps, slowest).median << "\n";
  };
  row("customer card (CustomerCreated)", &Memory::customer, &Memory::slowest_customer_ms);
  row("conversation started (ConversationStarted)", &Memory::started, &Memory::slowest_start_ms);
  row("its first message (MessageReceived)", &Memory::first, &Memory::slowest_first_ms);
  row("a further message (MessageReceived)", &Memory::message, &Memory::slowest_further_ms);
  std::cout << "RSS of the whole build per conversation (cards and messages included): "
            << figure(reps, &Memory::rss_per_conversation).median << "\n";
}

// Prints (a); returns whether both targets are met.
bool print_memory(const Built& last, const std::vector<Memory>& reps) {
  const auto med = [&](double Memory::*field) { return figure(reps, field).median; };
  const core::State& s = *last.state;
  const auto c = static_cast<double>(last.shape.conversations);
  const auto k = static_cast<double>(last.shape.customers);
  const Strings str = strings_of(s);
  const double message = med(&Memory::message);
  const double conversation = med(&Memory::started) + med(&Memory::first) - message;
  const double conversation_aside = conversation - str.conversation_total() / c;
  const double customer = med(&Memory::customer);
  std::cout << "\n(a) memory: " << last.shape.customers << " customer cards, "
            << last.shape.conversations << " conversations, " << last.shape.messages
            << " messages (MessageReceived); " << reps.size() << " fresh states, medians\n"
            << "sizeof(Conversation) = " << sizeof(core::Conversation)
            << ", sizeof(Customer) = " << sizeof(core::Customer) << "\n"
            << std::fixed << std::setprecision(1);
  print_steps(reps);
  std::cout << "the last build's slowest evolves were at customer " << last.customers.slowest_at
            << ", conversation " << last.starts.slowest_at << ", first message "
            << last.firsts.slowest_at << " and further message " << last.further.slowest_at
            << " (then " << last.shape.conversations + last.further.slowest_at
            << " keys in seen)\n";
  std::cout << "strings' own heap per conversation: external ids " << str.external_ids / c
            << ", last-message previews " << str.previews / c
            << "; per customer card: name " << str.names / k << ", name words (by_word) "
            << str.name_words / k << "\n";
  const bool conversation_met = conversation_aside <= 300;
  const bool message_met = message <= 48;
  std::cout << "a conversation (started + first message - one message): " << conversation
            << " B; strings aside: " << conversation_aside
            << " B, target <= 300: " << (conversation_met ? "met" : "NOT met") << "\n"
            << "with its customer card: " << conversation + customer * k / c << " B ("
            << conversation_aside + (customer * k - str.names - str.name_words) / c
            << " B strings aside)\n"
            << "a message: " << message << " B, target <= 48: " << (message_met ? "met" : "NOT met")
            << "\n";
  print_indexes(s);
  return conversation_met && message_met;
}

// ---- texture for the queries (outside the memory figures) ----
void assign_and_answer(core::State& s, const Floor& f, const core::Conversation& c,
                       std::uint64_t r) {
  core::Time at = c.last_at;
  const core::ConversationId id = c.id;
  const auto page = static_cast<std::size_t>(c.page_id - f.pages.front());
  if (r % 100 < 8) {
    core::MessageReceived e = received(s, id, r);
    e.text = "sđt em 0912 345 678";
    e.phones = {"09" + std::to_string(10'000'000 + (r >> 12) % 90'000'000)};
    fold(s, core::Event{e}, at += ms_per_min);
  }
  core::UserId assignee = 0;
  if ((r >> 8) % 100 < 80) {
    const auto& sales = f.sales_of_page[page];
    assignee = sales[(r >> 50) % sales.size()];
    fold(s, core::Event{core::ConversationAssigned{id, assignee, 0, "take"}}, at += ms_per_min);
  }
  if ((r >> 16) % 100 < 75) {
    core::MessageSent e;
    e.conversation_id = id;
    e.message_id = s.conversations.last_message_id + 1;
    e.author_id = assignee != 0 ? assignee : f.managers[(r >> 56) % f.managers.size()];
    e.text = "Dạ shop gửi chị bảng giá ạ";
    fold(s, core::Event{e}, at += 2 * ms_per_min);
    if ((r >> 32) % 100 < 85) fold(s, core::Event{core::ConversationClosed{id}}, at + ms_per_min);
  } else if ((r >> 24) % 100 < 40) {
    fold(s, core::Event{core::ConversationMarked{id, true, std::nullopt}}, at);
  }
}

// Tags on 15% of the conversations (a third of them two), the first tags the most common.
void tag(core::State& s, core::ConversationId id, std::uint64_t r) {
  if ((r >> 40) % 100 >= 15) return;
  const auto skewed = [](std::uint64_t x) {
    const double u = unit(mix(x));
    return tag_name(static_cast<std::size_t>(30.0 * u * u));
  };
  core::ConversationTagged e{id, {skewed(r)}, {}};
  if ((r >> 44) % 3 == 0 && std::string(skewed(r + 1)) != e.added.front()) {
    e.added.push_back(skewed(r + 1));
  }
  fold(s, core::Event{e}, s.conversations.find(id)->last_at);
}

double add_texture(core::State& s, const Floor& f) {
  const std::int64_t heap0 = heap_bytes();
  const auto n = static_cast<core::ConversationId>(s.conversations.by_id.size());
  for (core::ConversationId id = 1; id <= n; ++id) {
    const std::uint64_t r = mix(static_cast<std::uint64_t>(id) ^ 0x7e47);
    const core::Conversation c = *s.conversations.find(id);
    assign_and_answer(s, f, c, r);
    tag(s, id, r);
  }
  return static_cast<double>(heap_bytes() - heap0) / static_cast<double>(n);
}

// A rare combination: open comment threads with a phone that nobody has answered yet.
core::InboxFilters rare_filter() {
  return {.kind = core::ConversationKind::comment,
          .closed = false,
          .unanswered = true,
          .has_phone = true};
}

void print_texture(const core::State& s, double heap_per_conversation) {
  std::array<std::int64_t, 6> flags{};
  std::int64_t assigned = 0, tagged = 0, comments = 0;
  for (const core::Conversation& c : s.conversations.by_id) {
    for (std::size_t b = 0; b < flags.size(); ++b) {
      flags[b] += c.has(static_cast<core::ConversationFlag>(1 << b)) ? 1 : 0;
    }
    assigned += c.assignee_id != 0 ? 1 : 0;
    tagged += c.tags().empty() ? 0 : 1;
    comments += c.kind == core::ConversationKind::comment ? 1 : 0;
  }
  const auto share = [&](std::int64_t x) {
    return 100.0 * static_cast<double>(x) / static_cast<double>(s.conversations.by_id.size());
  };
  std::cout << "\n(b) texture for the queries (not in (a)): assignments, answers, marks, "
               "tags, phones; heap change "
            << heap_per_conversation << " B per conversation (answers leave the waiting index)\n"
            << "conversations: " << share(flags[0]) << "% closed, " << share(flags[1])
            << "% unread, " << share(flags[2]) << "% unanswered, " << share(flags[4])
            << "% with a phone, " << share(assigned) << "% assigned, " << share(tagged)
            << "% tagged, " << share(comments) << "% comment threads; "
            << s.conversations.tag_names.size() << " tags\n";
  // Every match, counted on the conversations themselves (a query looks at inbox_walk_max at
  // most): how far the rare filter's pages walk the newest-first index.
  std::int64_t n = 0;
  for (const core::Conversation& c : s.conversations.by_id) {
    n += c.kind == core::ConversationKind::comment && !c.has(core::flag_closed) &&
                 c.has(core::flag_unanswered) && c.has(core::flag_has_phone)
             ? 1
             : 0;
  }
  std::cout << "the rare filter (open, unanswered, with a phone, comment) matches " << n << " ("
            << std::setprecision(2) << share(n) << "%), so 50 matches lie among about "
            << std::setprecision(0)
            << std::min(static_cast<double>(s.conversations.by_id.size()),
                        static_cast<double>(page_size + 1) * 100.0 / std::max(share(n), 1e-9))
            << " of the newest slots, and a query looks at " << core::inbox_walk_max
            << " at most" << std::setprecision(1) << "\n";
}

// ---- (b) inbox.query ----
enum class Work { walk, query, counts };

struct Ask {
  core::UserId viewer = admin_id;
  core::InboxFilters filters{};
  core::InboxSort sort = core::InboxSort::activity;
  std::optional<core::Slot> after{};
  app::Query op{};  // the engine stage of the op for the same ask
};

struct Case {
  std::string name;
  Work work = Work::query;
  std::vector<Ask> asks;
  std::vector<double> core_us{}, core_cpu_us{}, op_us{}, op_cpu_us{};
  std::vector<double> rep_p50{}, rep_op_p99{};  // per repetition: core p50, op p99
  double rows = 0, bytes = 0;
  std::int64_t samples = 0;
};

json::object args_of(const core::State& s, const Ask& a) {
  const core::InboxFilters& f = a.filters;
  json::object filters;
  if (!f.page_ids.empty()) filters["page_ids"] = json::array(f.page_ids.begin(), f.page_ids.end());
  if (f.kind) filters["kind"] = core::to_string(*f.kind);
  if (f.closed) filters["status"] = *f.closed ? "closed" : "open";
  if (f.unread) filters["unread"] = *f.unread;
  if (f.unanswered) filters["unanswered"] = *f.unanswered;
  if (f.has_phone) filters["has_phone"] = *f.has_phone;
  if (f.unassigned) filters["unassigned"] = true;
  if (f.assignee_id) filters["assignee_id"] = *f.assignee_id;
  if (f.customer_id) filters["customer_id"] = *f.customer_id;
  json::array tags;
  for (core::TagId t : f.tag_ids) tags.emplace_back(s.conversations.tag_names[t - 1]);
  if (!tags.empty()) filters["tags"] = std::move(tags);
  json::object args{{"filters", std::move(filters)},
                    {"limit", static_cast<std::int64_t>(page_size)}};
  if (a.sort == core::InboxSort::waiting) args["sort"] = "waiting";
  if (a.after) {
    args["cursor"] = std::to_string(a.after->first) + "." + std::to_string(a.after->second);
  }
  return args;
}

app::Query prepared(std::string_view op, const json::object& args, core::UserId viewer) {
  app::Caller caller;
  caller.user_id = viewer;
  app::Prepared p = app::find_op(op)->prepare(args, caller);
  return std::get<app::QueryRequest>(p).query;
}

Ask ask(const core::State& s, core::UserId viewer, core::InboxFilters f,
        core::InboxSort sort = core::InboxSort::activity, std::optional<core::Slot> after = {}) {
  Ask a{viewer, std::move(f), sort, after, {}};
  a.op = prepared("inbox.query", args_of(s, a), viewer);
  return a;
}

Ask counts_ask(core::UserId viewer) {
  Ask a;
  a.viewer = viewer;
  a.op = prepared("inbox.counts", json::object{}, viewer);
  return a;
}

// Customers with two conversations (the second one started past the first K).
std::vector<core::CustomerId> repeat_customers(const Shape& shape, std::size_t n) {
  std::vector<core::CustomerId> out;
  for (std::int64_t i = shape.customers; i < shape.conversations && out.size() < n; i += 7) {
    out.push_back(shape.customer_of(i));
  }
  if (out.empty()) out.push_back(1);
  return out;
}

std::vector<Case> cases_of(const core::State& s, const Floor& f, const Shape& shape) {
  using core::InboxFilters;
  const core::UserId admin = admin_id;
  std::vector<Case> cases;
  cases.reserve(16);  // `add` hands out pointers into it
  const auto add = [&](std::string name, Work work = Work::query) {
    cases.push_back(Case{std::move(name), work, {}});
    return &cases.back().asks;
  };
  add("baseline: first 50 slots of the biggest page", Work::walk)->push_back(Ask{});
  add("admin, no filter (newest activity)")->push_back(ask(s, admin, {}));
  auto* sale = add("sale, no filter (visibility all, 2-3 pages)");
  for (core::UserId u : f.sales) sale->push_back(ask(s, u, {}));
  auto* unassigned = add("manager, unassigned only");
  for (core::UserId u : f.managers) unassigned->push_back(ask(s, u, {.unassigned = true}));
  auto* unread = add("admin, unread only, one page (each page)");
  for (core::PageId p : f.pages) {
    unread->push_back(ask(s, admin, {.page_ids = {p}, .unread = true}));
  }
  add("admin, one tag (the most used)")
      ->push_back(ask(s, admin, {.tag_ids = {s.conversations.find_tag(tag_name(0))}}));
  add("admin, sort=waiting")->push_back(ask(s, admin, {}, core::InboxSort::waiting));
  auto* mine = add("sale, assignee_id = self");
  for (core::UserId u : f.sales) mine->push_back(ask(s, u, {.assignee_id = u}));
  auto* customer = add("admin, customer_id (a customer with 2)");
  for (core::CustomerId id : repeat_customers(shape, 64)) {
    customer->push_back(ask(s, admin, {.customer_id = id}));
  }
  const InboxFilters rare = rare_filter();
  add("admin, rare: open+unanswered+phone+comment")->push_back(ask(s, admin, rare));
  auto* rare_page = add("admin, the same rare filter on one page");
  for (core::PageId p : f.pages) {
    InboxFilters one = rare;
    one.page_ids = {p};
    rare_page->push_back(ask(s, admin, one));
  }
  const auto first = core::query_inbox(s, admin, {}, core::InboxSort::activity, {}, page_size);
  add("admin, no filter, second page (cursor)")
      ->push_back(ask(s, admin, {}, core::InboxSort::activity, first.next));
  auto* counts = add("inbox.counts, admin and each sale", Work::counts);
  counts->push_back(counts_ask(admin));
  for (core::UserId u : f.sales) counts->push_back(counts_ask(u));
  return cases;
}

// What the timed calls return, summed and printed, so that none of them is optimised away.
std::size_t sink = 0;

// The baseline: the first 50 slots of one index, newest first, each conversation looked up.
std::size_t walk_first(const core::PageActivity& slots) {
  std::size_t n = 0;
  for (auto it = slots.rbegin(); it != slots.rend() && n < page_size; ++it, ++n) {
    sink += it->flags;
  }
  return n;
}

// One timed core call: the baseline's walk, core::query_inbox or core::count_inbox.
void run_core(const core::State& s, Case& c, const Ask& a, const core::PageActivity& biggest) {
  const double cpu0 = thread_cpu_us();
  const auto started = bench::Clock::now();
  std::size_t rows = 0;
  if (c.work == Work::walk) rows = walk_first(biggest);
  if (c.work == Work::query) {
    rows = core::query_inbox(s, a.viewer, a.filters, a.sort, a.after, page_size).items.size();
  }
  if (c.work == Work::counts) rows = core::count_inbox(s, a.viewer).unread_by_page.size();
  c.core_us.push_back(us_since(started));
  c.core_cpu_us.push_back(thread_cpu_us() - cpu0);
  c.rows += static_cast<double>(rows);
  ++c.samples;
}

// One timed engine stage of the op (inbox.query or inbox.counts), its answer serialised.
void run_op(const core::State& s, Case& c, const Ask& a) {
  const double cpu0 = thread_cpu_us();
  const auto started = bench::Clock::now();
  const core::Result<std::string> answer = a.op(s);
  c.op_us.push_back(us_since(started));
  c.op_cpu_us.push_back(thread_cpu_us() - cpu0);
  if (!answer) throw std::runtime_error(c.name + ": " + answer.error().message);
  c.bytes += static_cast<double>(answer.value().size());
  sink += answer.value().size();
}

struct QueryPlan {
  std::int64_t per_rep = 0;
  int reps = 0;
  double budget_s = 0;
};

// One repetition of a case: its asks in turn through core, then through the op, each for up
// to per_rep queries or half the budget. The two run apart so that neither finds the nodes the
// other has just walked in the cache (a conversation's next query is usually another ask).
void run_case(const core::State& s, Case& c, const QueryPlan& plan, const core::PageActivity& biggest) {
  const auto first = static_cast<std::ptrdiff_t>(c.core_us.size());
  const auto first_op = static_cast<std::ptrdiff_t>(c.op_us.size());
  const auto ask_of = [&c](std::int64_t q) -> const Ask& {
    return c.asks[static_cast<std::size_t>(q) % c.asks.size()];
  };
  auto started = bench::Clock::now();
  for (std::int64_t q = 0; q < plan.per_rep; ++q) {
    if (q > 0 && bench::seconds_since(started) > plan.budget_s / 2) break;
    run_core(s, c, ask_of(q), biggest);
  }
  c.rep_p50.push_back(pct({c.core_us.begin() + first, c.core_us.end()}, 50));
  if (c.work == Work::walk) return;
  started = bench::Clock::now();
  for (std::int64_t q = 0; q < plan.per_rep; ++q) {
    if (q > 0 && bench::seconds_since(started) > plan.budget_s / 2) break;
    run_op(s, c, ask_of(q));
  }
  c.rep_op_p99.push_back(pct({c.op_us.begin() + first_op, c.op_us.end()}, 99));
}

void run_cases(const core::State& s, std::vector<Case>& cases, const QueryPlan& plan) {
  const core::PageActivity& biggest = s.conversations.activity_by_page.begin()->second;
  for (int rep = 0; rep < plan.reps; ++rep) {
    for (std::size_t k = 0; k < cases.size(); ++k) {
      run_case(s, cases[(k + static_cast<std::size_t>(rep)) % cases.size()], plan, biggest);
    }
  }
}

// One row of (b): a baseline's op columns are "-".
void print_case(const Case& c, double base) {
  const auto n = static_cast<double>(c.samples);
  const auto cell = [&c](double value) {
    std::ostringstream out;
    if (c.work == Work::walk) return std::string("-");
    out << std::fixed << std::setprecision(1) << value;
    return out.str();
  };
  const double op99 = c.op_us.empty() ? 0 : pct(c.op_us, 99);
  const double cpu99 = c.op_cpu_us.empty() ? 0 : pct(c.op_cpu_us, 99);
  const std::string verdict =
      std::string(op99 < 2000 ? "met" : "NOT") + "/" + (cpu99 < 2000 ? "met" : "NOT");
  std::cout << std::left << std::setw(46) << c.name << std::right << std::setprecision(0)
            << std::setw(8) << n << std::setw(6) << c.rows / n << std::setw(8)
            << (c.op_us.empty() ? 0.0 : c.bytes / static_cast<double>(c.op_us.size()))
            << std::setprecision(1) << std::setw(10) << pct(c.core_us, 50) << std::setw(10)
            << pct(c.core_us, 99) << std::setw(10) << pct(c.core_cpu_us, 99) << std::setw(10)
            << cell(c.op_us.empty() ? 0 : pct(c.op_us, 50)) << std::setw(10) << cell(op99)
            << std::setw(12) << cell(bench::median(c.rep_op_p99)) << std::setw(10) << cell(cpu99)
            << std::setw(10) << bench::median(c.rep_p50) / base << std::setw(10)
            << (c.work == Work::walk ? "-" : verdict) << "\n";
}

// Prints (b); returns whether every query's op p99 (wall clock) is under 2 ms.
bool print_cases(const std::vector<Case>& cases, const QueryPlan& plan) {
  std::cout << "\n(b) inbox.query's work per query, limit " << page_size << "; " << plan.reps
            << " repetitions x up to " << plan.per_rep << " queries per case (or " << plan.budget_s
            << " s); core = core::query_inbox (count_inbox), op = the engine stage of the op\n"
            << "(authorise, the same query, summary_json per row, serialise); times in us; "
               "p99 med = median of the repetitions' p99s;\n"
            << "CPU p99 = of the thread's CPU time; target p99 < 2 ms, judged on the op (wall/CPU)"
            << "\n";
  std::cout << std::left << std::setw(46) << "case" << std::right << std::setw(8) << "queries"
            << std::setw(6) << "rows" << std::setw(8) << "bytes" << std::setw(10) << "core p50"
            << std::setw(10) << "core p99" << std::setw(10) << "CPU p99" << std::setw(10)
            << "op p50" << std::setw(10) << "op p99" << std::setw(12) << "op p99 med"
            << std::setw(10) << "CPU p99" << std::setw(10) << "p50/base" << std::setw(10)
            << "target"
            << "\n";
  const double base = bench::median(cases.front().rep_p50);
  bool met = true, cpu_met = true;
  for (const Case& c : cases) {
    print_case(c, base);
    if (c.work != Work::query) continue;
    met = met && pct(c.op_us, 99) < 2000;
    cpu_met = cpu_met && pct(c.op_cpu_us, 99) < 2000;
  }
  std::cout << "p50/base: the median of the repetitions' core p50s over the baseline's ("
            << std::setprecision(2) << base << " us)\n"
            << "target inbox.query p99 < 2 ms in every query case, op wall clock: "
            << (met ? "met" : "NOT met") << "; op CPU time: " << (cpu_met ? "met" : "NOT met")
            << "\n";
  return met;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags(argc, argv, usage);
  Shape shape;
  shape.conversations = flags.integer("conversations", 100'000);
  shape.messages = flags.integer("messages", 1'000'000);
  const int reps = static_cast<int>(flags.integer("reps", 3));
  const std::int64_t queries = flags.integer("queries", 2'500);
  QueryPlan plan;
  plan.reps = static_cast<int>(flags.integer("query-reps", 5));
  plan.budget_s = flags.number("case-budget-s", 0.6);
  flags.done();
  if (shape.conversations < 100 || shape.messages < shape.conversations || reps < 1 ||
      plan.reps < 1 || queries < plan.reps || plan.budget_s <= 0) {
    flags.fail("bad sizes");
  }
  shape.customers = shape.conversations * 9 / 10;
  plan.per_rep = queries / plan.reps;

  bench::print_machine();
  std::vector<Memory> memory;
  Built last;
  for (int rep = 0; rep < reps; ++rep) {
    last = Built{};  // the previous state goes before the next is built
    ::malloc_trim(0);
    last = build(shape);
    memory.push_back(memory_of(last));
    std::cout << "build " << rep + 1 << ": " << std::fixed << std::setprecision(2)
              << last.customers.seconds << " s customers, " << last.starts.seconds
              << " s conversations, " << last.firsts.seconds + last.further.seconds
              << " s messages (" << std::setprecision(1)
              << (last.firsts.seconds + last.further.seconds) * 1e6 /
                     static_cast<double>(shape.messages)
              << " us per MessageReceived evolve)" << std::endl;
  }
  const bool memory_met = print_memory(last, memory);

  core::State& s = *last.state;
  print_texture(s, add_texture(s, last.floor));
  std::vector<Case> cases = cases_of(s, last.floor, shape);
  run_cases(s, cases, plan);
  const bool query_met = print_cases(cases, plan);
  std::cout << "(checksum " << sink % 1000 << ")\n"
            << "targets: memory " << (memory_met ? "met" : "NOT met") << ", inbox.query "
            << (query_met ? "met" : "NOT met") << "\n";
  return 0;
}
