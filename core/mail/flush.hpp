#pragma once
// `mail flush`: delivers the due messages of the outbox through one transport.
#include <chrono>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "mail/transport.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse::mail {

struct FlushOptions {
  std::optional<std::int64_t> limit;  // at most this many delivery attempts in this run
  double rate = 0;                    // messages per second; 0 = as fast as the transport takes them
  bool dry_run = false;               // count what would be delivered; send and write nothing
  std::string claimed_by;             // who claims the rows ("user@host pid 123"), for mail_outbox.claimed_by
};

// Messages per second from "N", "N/s", "N/min" or "N/h" (N may have decimals); nullopt when
// the text is not a positive rate.
std::optional<double> parse_rate(std::string_view text);

// How long a message waits after its `attempts`-th temporary failure: 1 min · 2^(attempts-1),
// at most 6 h.
std::chrono::seconds retry_delay(int attempts);

// Delivers the due queued messages through `transport`. The caller holds the 'mail flush'
// session lock on `connection`, so rows found in state sending belong to a flush that died:
// they are queued again first. Batches are claimed (committed) on a second connection one
// batch ahead; each outcome is committed on `connection` by a recorder thread while the next
// message is sent (synchronous_commit off), so at most one acknowledged outcome is ever
// unwritten. Stops at --limit, at mail.max_per_hour, on Ctrl-C (after the current message) or
// after 5 temporary failures in a row; claimed rows not attempted go back to queued. Counts
// sent, temporary_failures, failed, left_queued and recovered; permanent failures are rejected
// items (exit 1); a run stopped by an unavailable transport, or that delivered nothing but met
// temporary failures, exits 69; an interrupted one 130.
void flush_outbox(pqxx::connection& connection, const Config& config, Transport& transport, const FlushOptions& options,
                  Progress& progress, Report& report);

}  // namespace imuse::mail
