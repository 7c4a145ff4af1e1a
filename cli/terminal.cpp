#include "cli/terminal.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "util/error.hpp"

namespace imuse::cli {

void TerminalProgress::start(const std::string& label, std::size_t total) {
  label_ = label;
  total_ = total;
  done_ = 0;
  active_ = true;
  draw(true);
}

void TerminalProgress::advance(std::size_t steps) {
  done_ += steps;
  draw(false);
}

void TerminalProgress::finish() {
  if (active_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
  active_ = false;
}

void TerminalProgress::draw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) {
    return;
  }
  last_draw_ = now;
  constexpr std::size_t kWidth = 30;
  if (total_ > 0) {
    const std::size_t filled = std::min(kWidth, done_ * kWidth / total_);
    std::fprintf(stderr, "\r\033[K%s [%s%s] %zu/%zu", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), done_, total_);
  } else {
    std::fprintf(stderr, "\r\033[K%s %zu", label_.c_str(), done_);
  }
  std::fflush(stderr);
}

std::unique_ptr<Progress> make_progress(const GlobalOptions& global) {
  if (!global.no_progress && !global.json && !global.quiet && isatty(STDERR_FILENO) == 1) {
    return std::make_unique<TerminalProgress>();
  }
  return std::make_unique<NullProgress>();
}

void setup_logging(const GlobalOptions& global, const std::string& level, const std::string& log_file) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(spdlog::color_mode::automatic);
  spdlog::level::level_enum console_level = spdlog::level::info;
  if (level == "error") {
    console_level = spdlog::level::err;
  } else if (level == "warning") {
    console_level = spdlog::level::warn;
  } else if (level == "debug") {
    console_level = spdlog::level::debug;
  }
  if (global.verbose) {
    console_level = spdlog::level::debug;
    console->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %^%l%$: %v");
  } else {
    console->set_pattern("imuse-admin: %^%v%$");
  }
  if (global.quiet) {
    console_level = spdlog::level::err;
  }
  console->set_level(console_level);
  std::vector<spdlog::sink_ptr> sinks{console};
  if (!log_file.empty()) {
    const auto parent = std::filesystem::path(log_file).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      throw OutputError("cannot open log file " + log_file + " for writing: folder " + parent.string() +
                        " does not exist");
    }
    try {
      auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file, false);
      file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%P] %l: %v");
      file->set_level(spdlog::level::info);
      sinks.push_back(file);
    } catch (const spdlog::spdlog_ex&) {
      throw OutputError("cannot open log file " + log_file + " for writing");
    }
  }
  auto logger = std::make_shared<spdlog::logger>("imuse-admin", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::debug);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace imuse::cli
