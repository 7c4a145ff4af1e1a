#pragma once
// Progress reporting seen from core: cli/ decides whether anything is drawn.
#include <cstddef>
#include <string>

namespace imuse {

class Progress {
 public:
  virtual ~Progress() = default;
  // Starts a phase of `total` steps (0 when unknown).
  virtual void start(const std::string& label, std::size_t total) = 0;
  // Advances the current phase by `steps`.
  virtual void advance(std::size_t steps = 1) = 0;
  // Ends the current phase.
  virtual void finish() = 0;
};

// Draws nothing; used without a terminal and in tests.
class NullProgress final : public Progress {
 public:
  void start(const std::string&, std::size_t) override {}
  void advance(std::size_t) override {}
  void finish() override {}
};

}  // namespace imuse
