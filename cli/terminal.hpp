#pragma once
// Terminal-facing pieces: the progress bar and logging set-up.
#include <chrono>
#include <memory>
#include <string>

#include "cli/context.hpp"
#include "util/progress.hpp"

namespace imuse::cli {

// A one-line progress bar redrawn on stderr at most ten times a second.
class TerminalProgress final : public Progress {
 public:
  void start(const std::string& label, std::size_t total) override;
  void advance(std::size_t steps) override;
  void finish() override;

 private:
  void draw(bool force);
  std::string label_;
  std::size_t total_ = 0;
  std::size_t done_ = 0;
  bool active_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

// A progress bar when stderr is a terminal and --no-progress is absent, else nothing.
std::unique_ptr<Progress> make_progress(const GlobalOptions& global);
// Logs to stderr ("imuse-admin: ..."), and to `log_file` with timestamps when given;
// throws OutputError when the log file cannot be opened.
void setup_logging(const GlobalOptions& global, const std::string& level, const std::string& log_file);

}  // namespace imuse::cli
