// hotpath/log/record.hpp: hotpath::log_record (timestamp, level, thread id, source location,
// fixed-capacity inline text with a truncation flag), the "{}" formatter that fills it without
// allocating, and hotpath::log_clock. Included by <hotpath/logger.hpp>.
//
// The formatter understands "{}" (any text between the braces is ignored), "{{" and "}}".
// Arguments: integers, bool, char, float/double (shortest round-trip form), const char*,
// std::string_view, std::string, pointers (hex) and enums (their underlying value). Text that
// does not fit is cut at text_capacity bytes and `truncated` is set; nothing overflows.
#ifndef HOTPATH_LOG_RECORD_HPP
#define HOTPATH_LOG_RECORD_HPP

#include <hotpath/detail/config.hpp>

#include <charconv>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace hotpath {

enum class log_level : std::uint8_t { trace, debug, info, warn, error, critical, off };

// "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRIT", "OFF".
constexpr std::string_view to_string(log_level l) noexcept {
  constexpr std::string_view names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRIT", "OFF"};
  const auto i = static_cast<std::size_t>(l);
  return i < 7 ? names[i] : std::string_view{"?"};
}

// Timestamps: the TSC on x86-64 (one instruction, ~10 ns resolution on the VMs measured, where
// steady_clock::now() costs ~22 ns), steady_clock ticks elsewhere. to_system_ns converts with a
// calibration taken once per process (about 2 ms, at the first call of calibrate()).
struct log_clock {
  static std::uint64_t now() noexcept {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
  }

  struct calibration {
    std::uint64_t ticks0;
    std::int64_t system_ns0;
    double ns_per_tick;
  };

  // Thread-safe; the first call measures the tick rate against the system clock.
  static const calibration& calibrate() {
    static const calibration c = [] {
      using namespace std::chrono;
#if defined(__x86_64__)
      const auto s0 = steady_clock::now();
      const std::uint64_t t0 = now();
      std::this_thread::sleep_for(milliseconds(2));
      const auto s1 = steady_clock::now();
      const std::uint64_t t1 = now();
      const double ns_per_tick = static_cast<double>(duration_cast<nanoseconds>(s1 - s0).count()) /
                                 static_cast<double>(t1 - t0 == 0 ? 1 : t1 - t0);
#else
      const std::uint64_t t1 = now();
      const double ns_per_tick = static_cast<double>(steady_clock::period::num) * 1e9 /
                                 static_cast<double>(steady_clock::period::den);
#endif
      const auto sys = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
      return calibration{t1, static_cast<std::int64_t>(sys), ns_per_tick};
    }();
    return c;
  }

  // Nanoseconds since the Unix epoch for a now() value.
  static std::int64_t to_system_ns(std::uint64_t ticks) {
    const calibration& c = calibrate();
    const auto d = static_cast<double>(static_cast<std::int64_t>(ticks - c.ticks0));
    return c.system_ns0 + static_cast<std::int64_t>(d * c.ns_per_tick);
  }
};

// A call site: captured by default arguments at the caller (works on g++ 12 and clang 14,
// which lacks std::source_location).
struct log_location {
  const char* file = "";
  const char* function = "";
  std::uint32_t line = 0;

  static constexpr log_location current(const char* file = __builtin_FILE(),
                                        const char* function = __builtin_FUNCTION(),
                                        std::uint32_t line = __builtin_LINE()) noexcept {
    return log_location{file, function, line};
  }
};

// A format string with the location of the call that wrote it: logger.info("x={}", x) records
// the caller's file, function and line.
struct log_format {
  std::string_view text;
  log_location where;

  template <class S>
  requires std::convertible_to<const S&, std::string_view>
  constexpr log_format(const S& s, const char* file = __builtin_FILE(),
                       const char* function = __builtin_FUNCTION(),
                       std::uint32_t line = __builtin_LINE()) noexcept
      : text(s), where{file, function, line} {}
};

namespace detail {

// Appends into [p, end); remembers when something did not fit.
struct log_writer {
  char* p;
  char* end;
  bool truncated = false;

  void put(std::string_view s) noexcept {
    const auto room = static_cast<std::size_t>(end - p);
    const std::size_t n = s.size() <= room ? s.size() : room;
    if (n != s.size()) truncated = true;
    std::memcpy(p, s.data(), n);
    p += n;
  }
  void put(char c) noexcept {
    if (p == end) {
      truncated = true;
      return;
    }
    *p++ = c;
  }
  // Writes with to_chars directly when it fits, through a small buffer otherwise.
  template <class F>
  void put_chars(F&& conv) noexcept {
    auto r = conv(p, end);
    if (r.ec == std::errc{}) {
      p = r.ptr;
      return;
    }
    char tmp[64];
    r = conv(tmp, tmp + sizeof tmp);
    put(std::string_view(tmp, r.ec == std::errc{} ? static_cast<std::size_t>(r.ptr - tmp) : 0));
  }
};

template <class T>
void log_put_arg(log_writer& w, const T& v) noexcept {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    w.put(v ? std::string_view{"true"} : std::string_view{"false"});
  } else if constexpr (std::is_same_v<U, char>) {
    w.put(v);
  } else if constexpr (std::is_integral_v<U>) {
    w.put_chars([&](char* a, char* b) { return std::to_chars(a, b, v); });
  } else if constexpr (std::is_floating_point_v<U>) {
    w.put_chars([&](char* a, char* b) { return std::to_chars(a, b, v); });
  } else if constexpr (std::is_enum_v<U>) {
    log_put_arg(w, static_cast<std::underlying_type_t<U>>(v));
  } else if constexpr (std::is_convertible_v<const U&, std::string_view>) {
    if constexpr (std::is_pointer_v<U>) {
      if (v == nullptr) {
        w.put(std::string_view{"(null)"});
        return;
      }
    }
    w.put(std::string_view(v));
  } else if constexpr (std::is_pointer_v<U> || std::is_null_pointer_v<U>) {
    w.put(std::string_view{"0x"});
    const auto bits = reinterpret_cast<std::uintptr_t>(static_cast<const void*>(v));
    w.put_chars([&](char* a, char* b) { return std::to_chars(a, b, bits, 16); });
  } else {
    static_assert(sizeof(U) == 0,
                  "hotpath logger: unsupported argument type (use integers, floating point, bool, "
                  "char, strings, pointers or enums)");
  }
}

// A type-erased argument: the formatter loop is compiled once, not per argument list.
struct log_arg {
  const void* value;
  void (*put)(log_writer&, const void*) noexcept;
};

template <class T>
log_arg log_make_arg(const T& v) noexcept {
  return log_arg{static_cast<const void*>(&v), [](log_writer& w, const void* p) noexcept {
                   log_put_arg(w, *static_cast<const T*>(p));
                 }};
}

// Replaces each "{...}" by the next argument ("{}" without arguments left is kept as text);
// "{{" and "}}" are literal braces.
inline void log_vformat(log_writer& w, std::string_view fmt, const log_arg* args,
                        std::size_t n) noexcept {
  std::size_t next = 0;
  std::size_t i = 0;
  while (i < fmt.size()) {
    const std::size_t brace = fmt.find_first_of("{}", i);
    if (brace == std::string_view::npos) {
      w.put(fmt.substr(i));
      return;
    }
    w.put(fmt.substr(i, brace - i));
    const char c = fmt[brace];
    if (brace + 1 < fmt.size() && fmt[brace + 1] == c) {  // "{{" or "}}"
      w.put(c);
      i = brace + 2;
      continue;
    }
    if (c == '}') {
      w.put(c);
      i = brace + 1;
      continue;
    }
    const std::size_t close = fmt.find('}', brace);
    if (close == std::string_view::npos) {
      w.put(fmt.substr(brace));
      return;
    }
    if (next < n) {
      args[next].put(w, args[next].value);
      ++next;
    } else {
      w.put(fmt.substr(brace, close + 1 - brace));
    }
    i = close + 1;
  }
}

// The calling thread's OS id, looked up once per thread.
inline std::uint32_t log_thread_id() noexcept {
  thread_local const std::uint32_t id = [] {
#if defined(__linux__)
    return static_cast<std::uint32_t>(::syscall(SYS_gettid));
#else
    return static_cast<std::uint32_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()));
#endif
  }();
  return id;
}

}  // namespace detail

// One log line, 256 bytes, trivially copyable. The text is formatted in place (in the ring
// slot, by the producer) and is never longer than text_capacity; `truncated` says it was cut.
struct log_record {
  static constexpr std::size_t text_capacity = 220;

  std::uint64_t timestamp;  // log_clock::now() ticks
  const char* file;         // static strings from the call site
  const char* function;
  std::uint32_t line;
  std::uint32_t thread_id;
  log_level level;
  bool truncated;
  std::uint16_t size;  // bytes used in text
  char text[text_capacity];

  log_record() noexcept = default;  // leaves the fields uninitialised, like an int

  // Formats fmt with args into the record and stamps it. Never allocates or throws.
  template <class... Args>
  log_record(log_level lvl, const log_format& fmt, const Args&... args) noexcept
      : timestamp(log_clock::now()),
        file(fmt.where.file),
        function(fmt.where.function),
        line(fmt.where.line),
        thread_id(detail::log_thread_id()),
        level(lvl) {
    detail::log_writer w{text, text + text_capacity};
    if constexpr (sizeof...(Args) == 0) {
      detail::log_vformat(w, fmt.text, nullptr, 0);
    } else {
      const detail::log_arg a[] = {detail::log_make_arg(args)...};
      detail::log_vformat(w, fmt.text, a, sizeof...(Args));
    }
    truncated = w.truncated;
    size = static_cast<std::uint16_t>(w.p - text);
  }

  std::string_view message() const noexcept { return {text, size}; }
};
static_assert(sizeof(log_record) == 256);
static_assert(std::is_trivially_copyable_v<log_record>);

// Writes "2026-11-23T09:34:56.123456789Z INFO  [tid] file:line message\n" into [buf, buf+n)
// (cut to fit) and returns the length. A truncated record's text ends with "...".
inline std::size_t format_log_line(const log_record& r, char* buf, std::size_t n) {
  detail::log_writer w{buf, buf + n};
  const std::int64_t ns = log_clock::to_system_ns(r.timestamp);
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<nanoseconds>(nanoseconds(ns)));
  const year_month_day ymd{day};
  const std::int64_t in_day = ns - duration_cast<nanoseconds>(day.time_since_epoch()).count();
  char tmp[40];
  const auto two = [](char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  const auto y = static_cast<unsigned>(static_cast<int>(ymd.year()));
  tmp[0] = static_cast<char>('0' + y / 1000 % 10);
  tmp[1] = static_cast<char>('0' + y / 100 % 10);
  two(tmp + 2, y % 100);
  tmp[4] = '-';
  two(tmp + 5, static_cast<unsigned>(ymd.month()));
  tmp[7] = '-';
  two(tmp + 8, static_cast<unsigned>(ymd.day()));
  tmp[10] = 'T';
  const auto secs = static_cast<unsigned>(in_day / 1000000000);
  two(tmp + 11, secs / 3600);
  tmp[13] = ':';
  two(tmp + 14, secs / 60 % 60);
  tmp[16] = ':';
  two(tmp + 17, secs % 60);
  tmp[19] = '.';
  auto frac = static_cast<unsigned>(in_day % 1000000000);
  for (int i = 28; i >= 20; --i, frac /= 10) tmp[i] = static_cast<char>('0' + frac % 10);
  tmp[29] = 'Z';
  tmp[30] = ' ';
  w.put(std::string_view(tmp, 31));
  w.put(to_string(r.level));
  w.put(std::string_view{" ["});
  detail::log_put_arg(w, r.thread_id);
  w.put(std::string_view{"] "});
  const std::string_view file(r.file);
  const std::size_t slash = file.rfind('/');
  w.put(slash == std::string_view::npos ? file : file.substr(slash + 1));
  w.put(':');
  detail::log_put_arg(w, r.line);
  w.put(' ');
  w.put(r.message());
  if (r.truncated) w.put(std::string_view{"..."});
  w.put('\n');
  return static_cast<std::size_t>(w.p - buf);
}

}  // namespace hotpath

#endif  // HOTPATH_LOG_RECORD_HPP
