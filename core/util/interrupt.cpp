#include "util/interrupt.hpp"

#include <atomic>

#include "util/error.hpp"

namespace imuse {

namespace {
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);
}  // namespace

void request_interrupt() noexcept { g_interrupted.store(true); }

bool interrupt_requested() noexcept { return g_interrupted.load(); }

void check_interrupted() {
  if (interrupt_requested()) {
    throw Interrupted();
  }
}

}  // namespace imuse
