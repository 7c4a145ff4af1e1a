#pragma once
// Cooperative interruption: a signal handler raises a flag, long loops poll it.

namespace imuse {

// Called from a signal handler (async-signal-safe).
void request_interrupt() noexcept;
// True once SIGINT or SIGTERM has been received.
bool interrupt_requested() noexcept;
// Throws Interrupted when an interrupt was requested.
void check_interrupted();

}  // namespace imuse
