// Small helpers shared by the benchmarks: a monotonic stopwatch, medians and percentiles, a
// scratch directory that removes itself, flag parsing and resident memory. Benchmarks are not
// tests: they print figures and ratios against a baseline measured in the same run.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <malloc.h>
#include <memory>
#include <string>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace salesdesk::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The median of a copy (the mean of the two middle values for an even count).
inline double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

// The p-th percentile (0..100) of sorted values, nearest rank.
template <class T>
T percentile_sorted(const std::vector<T>& sorted, double p) {
  if (sorted.empty()) return T{};
  const double rank = p / 100.0 * static_cast<double>(sorted.size());
  std::size_t index = rank <= 1.0 ? 0 : static_cast<std::size_t>(rank + 0.999999) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at scope end.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("cannot create " + templ);
    path_ = buf.data();
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Removes an SQLite database and its WAL/SHM companions.
inline void remove_db(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ec);
  }
}

// --name value flags; every flag must have a value. Unknown flags stop the program.
class Flags {
 public:
  Flags(int argc, char** argv, const std::string& usage) : usage_(usage) {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        std::cout << usage_ << "\n";
        std::exit(0);
      }
      if (arg.rfind("--", 0) != 0 || i + 1 >= argc) fail("bad argument " + arg);
      values_[arg.substr(2)] = argv[++i];
    }
  }
  std::string text(const std::string& name, const std::string& fallback) {
    used_.push_back(name);
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  long long integer(const std::string& name, long long fallback) {
    const std::string v = text(name, "");
    if (v.empty()) return fallback;
    try {
      return std::stoll(v);
    } catch (const std::exception&) {
      fail("--" + name + " wants an integer");
    }
  }
  double number(const std::string& name, double fallback) {
    const std::string v = text(name, "");
    if (v.empty()) return fallback;
    try {
      return std::stod(v);
    } catch (const std::exception&) {
      fail("--" + name + " wants a number");
    }
  }
  // Call after reading every flag: rejects the ones nobody asked for.
  void done() {
    for (const auto& [name, value] : values_) {
      if (std::find(used_.begin(), used_.end(), name) == used_.end()) fail("unknown flag --" + name);
    }
  }
  [[noreturn]] void fail(const std::string& problem) const {
    std::cerr << problem << "\n" << usage_ << "\n";
    std::exit(2);
  }

 private:
  std::string usage_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> used_;
};

// Resident set size in bytes, from /proc/self/statm.
inline std::int64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lld %lld", &size, &resident);
  std::fclose(f);
  return got == 2 ? resident * static_cast<std::int64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

// Prints the machine line every benchmark starts with.
inline void print_machine() {
  std::string model = "unknown";
  if (std::FILE* f = std::fopen("/proc/cpuinfo", "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
      std::string s = line;
      if (s.rfind("model name", 0) == 0) {
        model = s.substr(s.find(':') + 2);
        if (!model.empty() && model.back() == '\n') model.pop_back();
        break;
      }
    }
    std::fclose(f);
  }
  std::string load = "?";
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    char line[128];
    if (std::fgets(line, sizeof line, f)) {
      load = line;
      load = load.substr(0, load.find(' ', load.find(' ', load.find(' ') + 1) + 1));
    }
    std::fclose(f);
  }
  // The load average shows how busy the (shared) machine was when the figures were taken.
  std::cout << "machine: " << ::sysconf(_SC_NPROCESSORS_ONLN) << " cpus, " << model
            << "; load average " << load << "\n";
}

// Heap in use (mallinfo2: exact, both the arenas and the mmapped chunks).
inline std::int64_t heap_bytes() {
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
}

// The resident set after giving free memory back to the system.
inline std::int64_t trimmed_rss() {
  ::malloc_trim(0);
  return rss_bytes();
}

// Heap of the string's own buffer (0 when it lives inside the object), with glibc's chunk header.
inline std::size_t string_heap(const std::string& text) {
  const char* data = text.data();
  const char* self = reinterpret_cast<const char*>(&text);
  if (data >= self && data < self + sizeof(std::string)) return 0;
  return ::malloc_usable_size(const_cast<char*>(data)) + sizeof(std::size_t);
}

// The heap a copy of `index` takes: what the index itself holds.
template <class T>
std::int64_t heap_of_copy(const T& index) {
  const std::int64_t before = heap_bytes();
  auto copy = std::make_unique<T>(index);
  return heap_bytes() - before;
}

// This thread's CPU time: unlike the wall clock, it does not count the time the thread was
// preempted by other work on the shared machine.
inline double thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// The p-th percentile of an unsorted copy.
inline double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return percentile_sorted(v, p);
}

}  // namespace salesdesk::bench
