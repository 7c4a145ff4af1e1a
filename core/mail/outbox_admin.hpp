#pragma once
// Looking after the outbox: counts, lists, one message, putting failed messages back in the queue.
#include <cstdint>
#include <pqxx/pqxx>

#include "util/report.hpp"

namespace imuse::mail {

// Counts by state (queued, due, deferred, sending, sent, failed) and sent in the last hour.
void outbox_status(pqxx::transaction_base& tx, Report& report);
// Messages, newest first, at most `limit`; only failed ones when `failed_only`.
void outbox_list(pqxx::transaction_base& tx, bool failed_only, std::int64_t limit, Report& report);
// One message: headers, state, attempts, last error and, unless it holds a password, the text.
// Throws DataError for an unknown id.
void outbox_show(pqxx::transaction_base& tx, std::int64_t id, Report& report);
// A failed message back to queued with attempts reset; a queued one due now. Throws DataError
// for an unknown id or a message that is sent or being sent.
void outbox_retry(pqxx::transaction_base& tx, std::int64_t id, Report& report);
// Every failed message back to queued, attempts reset.
void outbox_retry_failed(pqxx::transaction_base& tx, Report& report);

}  // namespace imuse::mail
