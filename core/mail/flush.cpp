#include "mail/flush.hpp"

#include <malloc.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "db/database.hpp"
#include "mail/message.hpp"
#include "util/error.hpp"
#include "util/interrupt.hpp"

namespace imuse::mail {

namespace {

using Clock = std::chrono::steady_clock;

// Rows claimed per transaction: small enough that memory stays flat (a batch holds its
// attachments), large enough that claiming costs little per message.
constexpr std::int64_t kBatchSize = 100;
// Temporary failures in a row after which the transport counts as unavailable for this run.
constexpr int kUnavailableAfter = 5;
// Deferred messages listed one by one as warnings; the rest are only counted.
constexpr std::size_t kMaxWarnings = 20;
constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();
constexpr const char* kRedactedNote = "[removed after delivery: this message contained a password]";

// A claimed row, ready to render.
struct Pending {
  std::int64_t id = 0;
  int attempts = 0;
  Message message;
};

enum class Stop { drained, limit, hourly, interrupted, unavailable };

std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string text = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    text += (i == 0 ? "" : ",") + std::to_string(ids[i]);
  }
  return text + "}";
}

std::string text_or(const pqxx::field& f, const std::string& fallback) {
  return f.is_null() ? fallback : f.as<std::string>();
}

void prepare_statements(pqxx::connection& c) {
  c.prepare("imuse_mail_sent",
            "UPDATE mail_outbox SET state = 'sent', sent_at = now(), attempts = attempts + 1, "
            "       body_text = CASE WHEN contains_secret THEN $2 ELSE body_text END, "
            "       body_html = CASE WHEN contains_secret THEN NULL ELSE body_html END, "
            "       redacted_at = CASE WHEN contains_secret THEN now() END "
            "WHERE id = $1 AND state = 'sending'");
  c.prepare("imuse_mail_deferred",
            "UPDATE mail_outbox SET state = 'queued', attempts = $2, last_error = $3, claimed_at = NULL, "
            "       claimed_by = NULL, next_attempt_at = now() + make_interval(secs => $4) "
            "WHERE id = $1 AND state = 'sending'");
  c.prepare("imuse_mail_failed",
            "UPDATE mail_outbox SET state = 'failed', attempts = $2, last_error = $3, claimed_at = NULL, "
            "       claimed_by = NULL "
            "WHERE id = $1 AND state = 'sending'");
}

// What became of one message, to be written to its row.
struct Outcome {
  std::int64_t id = 0;
  DeliveryStatus status = DeliveryStatus::sent;
  int attempts = 0;
  std::string reply;
  std::chrono::seconds delay{0};
};

// Writes outcomes to the outbox, in order, on its own thread and connection, so that the
// database round trip of message k overlaps the SMTP dialogue of message k + 1. At most one
// acknowledged outcome waits unwritten: push() blocks until the previous one is committed.
class Recorder {
 public:
  explicit Recorder(pqxx::connection& connection) : connection_(connection) {
    prepare_statements(connection_);
    thread_ = std::thread([this] { loop(); });
  }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  ~Recorder() { stop(); }

  void push(Outcome outcome) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return queue_.empty() || error_; });
    rethrow();
    queue_.push_back(std::move(outcome));
    changed_.notify_all();
  }

  // Writes what is left, ends the thread, and rethrows a database error it met.
  void finish() {
    stop();
    std::unique_lock lock(mutex_);
    rethrow();
  }

 private:
  void rethrow() {
    if (error_) {
      std::rethrow_exception(std::exchange(error_, nullptr));
    }
  }

  void stop() {
    {
      std::unique_lock lock(mutex_);
      done_ = true;
      changed_.notify_all();
    }
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  void loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      changed_.wait(lock, [this] { return !queue_.empty() || done_; });
      if (queue_.empty()) {
        return;
      }
      const Outcome outcome = queue_.front();  // stays queued until committed
      lock.unlock();
      try {
        write(outcome);
      } catch (...) {
        lock.lock();
        error_ = std::current_exception();
        queue_.clear();
        changed_.notify_all();
        return;
      }
      lock.lock();
      queue_.pop_front();
      changed_.notify_all();
    }
  }

  // One statement in autocommit: with synchronous_commit off it costs one round trip.
  void write(const Outcome& o) {
    pqxx::nontransaction n(connection_, "mail flush outcome");
    switch (o.status) {
      case DeliveryStatus::sent:
        n.exec_prepared("imuse_mail_sent", o.id, kRedactedNote);
        break;
      case DeliveryStatus::temporary_failure:
        n.exec_prepared("imuse_mail_deferred", o.id, o.attempts, o.reply, static_cast<double>(o.delay.count()));
        break;
      case DeliveryStatus::permanent_failure:
        n.exec_prepared("imuse_mail_failed", o.id, o.attempts, o.reply);
        break;
    }
  }

  pqxx::connection& connection_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Outcome> queue_;
  std::exception_ptr error_;
  bool done_ = false;
};

// A big-endian integer of a binary result (int8 here).
std::int64_t read_int8(const char* bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return static_cast<std::int64_t>(v);
}

// Loads the attachments of `batch` in binary format. In text format PostgreSQL hex-encodes a
// bytea: for a 20 KB PDF that costs the server more CPU than everything else it does for the
// message (0.24 ms of 0.61 ms measured), and the client a decoding pass. libpqxx 6.4 reads text
// results only, hence this one query through libpq, on the claims' own libpq connection.
void load_attachments(PGconn* conn, std::vector<Pending>& batch) {
  std::map<std::int64_t, std::size_t> index;
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    index[batch[i].id] = i;
    ids.push_back(batch[i].id);
  }
  const std::string array = id_array(ids);
  const char* values[] = {array.c_str()};
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn,
                   "SELECT outbox_id, file_name, content_type, content FROM mail_outbox_attachments "
                   "WHERE outbox_id = ANY($1::bigint[]) ORDER BY outbox_id, position",
                   1, nullptr, values, nullptr, nullptr, 1),
      &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    throw std::runtime_error("mail flush: reading attachments failed: " + std::string(PQerrorMessage(conn)));
  }
  const int rows = PQntuples(result.get());
  for (int r = 0; r < rows; ++r) {
    auto text = [&](int col) { return std::string(PQgetvalue(result.get(), r, col), PQgetlength(result.get(), r, col)); };
    if (PQgetlength(result.get(), r, 0) != 8) {
      throw std::runtime_error("mail flush: unexpected binary outbox_id");
    }
    const std::int64_t id = read_int8(PQgetvalue(result.get(), r, 0));
    batch[index.at(id)].message.attachments.push_back({text(1), text(2), text(3)});
  }
}

// Claims up to `n` due messages (committed), gives each a Message-ID it keeps on retries (in
// the same UPDATE), and loads their attachments.
std::vector<Pending> claim(pqxx::connection& c, PGconn* files, const Config& config, const std::string& claimed_by,
                           std::int64_t n) {
  pqxx::work tx(c, "mail flush claim");
  // Message-ID: 122 random bits (a UUID's), the time, and the sender's domain, as
  // make_message_id writes it.
  const auto rows = tx.exec_params(
      "UPDATE mail_outbox m SET state = 'sending', claimed_at = now(), claimed_by = $1, "
      "       message_id = COALESCE(m.message_id, '<' || replace(gen_random_uuid()::text, '-', '') || '.' "
      "           || extract(epoch FROM now())::bigint || '@' "
      "           || COALESCE(NULLIF(split_part(COALESCE(m.from_address, $3), '@', -1), ''), 'localhost') || '>') "
      "FROM (SELECT id FROM mail_outbox WHERE state = 'queued' AND next_attempt_at <= now() "
      "      ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) c "
      "WHERE m.id = c.id "
      "RETURNING m.id, m.attempts, m.from_address, m.from_name, m.reply_to, m.to_address, m.to_name, m.subject, "
      "          m.body_text, m.body_html, m.headers::text, m.message_id",
      claimed_by, n, config.get("mail.from"));
  std::vector<Pending> batch;
  batch.reserve(rows.size());
  for (const auto& r : rows) {
    Pending p;
    p.id = r[0].as<std::int64_t>();
    p.attempts = r[1].as<int>();
    Message& m = p.message;
    m.from = {text_or(r[2], config.get("mail.from")), text_or(r[3], config.get("mail.from_name"))};
    m.reply_to = {text_or(r[4], config.get("mail.reply_to")), ""};
    m.to = {r[5].as<std::string>(), text_or(r[6], "")};
    m.subject = r[7].as<std::string>();
    m.text = r[8].as<std::string>();
    m.html = text_or(r[9], "");
    const auto headers = nlohmann::json::parse(r[10].as<std::string>());
    for (const auto& [name, value] : headers.items()) {
      m.extra_headers.emplace_back(name, value.get<std::string>());
    }
    m.message_id = r[11].as<std::string>();
    batch.push_back(std::move(p));
  }
  tx.commit();
  std::sort(batch.begin(), batch.end(), [](const Pending& a, const Pending& b) { return a.id < b.id; });
  // Attachments never change once queued, and claimed rows are ours: reading them after the
  // commit, on the other connection, is safe.
  if (!batch.empty()) {
    load_attachments(files, batch);
  }
  return batch;
}

// Claimed rows that were not attempted go back to the queue as they were.
void release(pqxx::connection& c, const std::vector<Pending>& batch, std::size_t from,
             const std::vector<Pending>& prefetched) {
  std::vector<std::int64_t> ids;
  for (std::size_t i = from; i < batch.size(); ++i) {
    ids.push_back(batch[i].id);
  }
  for (const auto& p : prefetched) {
    ids.push_back(p.id);
  }
  if (!ids.empty()) {
    pqxx::nontransaction n(c, "mail flush release");
    n.exec_params0(
        "UPDATE mail_outbox SET state = 'queued', claimed_at = NULL, claimed_by = NULL "
        "WHERE id = ANY($1::bigint[]) AND state = 'sending'",
        id_array(ids));
  }
}

// Waits for the next slot of --rate; false when interrupted while waiting.
bool wait_for_slot(Clock::time_point& next_slot, Clock::duration interval) {
  if (interval == Clock::duration::zero()) {
    return true;
  }
  for (auto now = Clock::now(); now < next_slot; now = Clock::now()) {
    if (interrupt_requested()) {
      return false;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(next_slot - now, std::chrono::milliseconds(100)));
  }
  next_slot = std::max(next_slot, Clock::now()) + interval;
  return true;
}

struct StartState {
  std::int64_t sending = 0;
  std::int64_t due = 0;
  std::int64_t queued = 0;
  std::int64_t sent_last_hour = 0;
  bool needs_configured_sender = false;
  std::string claimers;
};

StartState start_state(pqxx::connection& c) {
  pqxx::nontransaction n(c, "mail flush state");
  const auto r = n.exec1(
      "SELECT count(*) FILTER (WHERE state = 'sending'), "
      "       count(*) FILTER (WHERE state = 'queued' AND next_attempt_at <= now()), "
      "       count(*) FILTER (WHERE state = 'queued'), "
      "       count(*) FILTER (WHERE state = 'sent' AND sent_at > now() - interval '1 hour'), "
      "       coalesce(bool_or(from_address IS NULL) FILTER (WHERE state IN ('queued', 'sending')), false), "
      "       coalesce(string_agg(DISTINCT claimed_by, ', ') FILTER (WHERE state = 'sending'), '') "
      "FROM mail_outbox");
  return {r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::int64_t>(),
          r[3].as<std::int64_t>(), r[4].as<bool>(),         r[5].as<std::string>()};
}

// Rows in sending while we hold the flush lock were claimed by a flush that ended (killed,
// crashed, lost its database connection) before recording their outcome: queue them again.
std::int64_t recover_orphans(pqxx::connection& c, const StartState& state, Report& report) {
  if (state.sending == 0) {
    return 0;
  }
  pqxx::nontransaction n(c, "mail flush recover");
  const auto result = n.exec0(
      "UPDATE mail_outbox SET state = 'queued', next_attempt_at = now(), "
      "       last_error = 'delivery not confirmed: the flush that claimed it (' || claimed_by || ' at ' || "
      "                    to_char(claimed_at, 'YYYY-MM-DD HH24:MI:SS') || ') ended before recording the outcome', "
      "       claimed_at = NULL, claimed_by = NULL "
      "WHERE state = 'sending'");
  const auto n_rows = static_cast<std::int64_t>(result.affected_rows());
  report.warnings.push_back(std::to_string(n_rows) +
                            " message(s) left in state sending by a flush that did not finish (" + state.claimers +
                            ") are queued again; the one or two it was delivering when it stopped may reach their "
                            "recipients twice, with the same Message-ID");
  return n_rows;
}

}  // namespace

std::optional<double> parse_rate(std::string_view text) {
  double per = 1;
  const auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view unit = text.substr(slash + 1);
    if (unit == "s" || unit == "sec") {
      per = 1;
    } else if (unit == "m" || unit == "min") {
      per = 60;
    } else if (unit == "h") {
      per = 3600;
    } else {
      return std::nullopt;
    }
    text = text.substr(0, slash);
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value > 0) || value > 1e6) {
    return std::nullopt;
  }
  return value / per;
}

std::chrono::seconds retry_delay(int attempts) {
  const int doublings = std::clamp(attempts - 1, 0, 9);  // 2^9 min already exceeds 6 h
  return std::min(std::chrono::seconds(60L << doublings), std::chrono::seconds(6 * 3600));
}

void flush_outbox(pqxx::connection& connection, const Config& config, Transport& transport, const FlushOptions& options,
                  Progress& progress, Report& report) {
  report.dry_run = options.dry_run;
  const StartState start = start_state(connection);
  if (start.needs_configured_sender && config.get("mail.from").empty()) {
    throw ConfigError("mail.from is not set, and some queued messages have no sender of their own");
  }
  const long max_per_hour = config.get_int("mail.max_per_hour");
  const std::int64_t budget =
      max_per_hour > 0 ? std::max<std::int64_t>(0, max_per_hour - start.sent_last_hour) : kNoLimit;
  const std::int64_t limit = options.limit.value_or(kNoLimit);
  const std::string hourly_note = "mail.max_per_hour is " + std::to_string(max_per_hour) + " and " +
                                  std::to_string(start.sent_last_hour) + " message(s) were sent in the last hour";

  if (options.dry_run) {
    const std::int64_t due = start.due + start.sending;
    const std::int64_t would = std::min({due, limit, budget});
    report.add("would_send", would);
    report.add("left_queued", start.queued + start.sending - would);
    report.add("recovered", start.sending);
    report.messages.push_back("would deliver " + std::to_string(would) + " message(s) via " + transport.describe());
    if (would < due && budget < limit && budget < due) {
      report.messages.push_back("the hourly limit would stop the run: " + hourly_note);
    }
    return;
  }

  for (const char* name : {"sent", "temporary_failures", "failed", "left_queued", "recovered"}) {
    report.add(name, 0);
  }
  {
    pqxx::nontransaction n(connection, "mail flush setup");
    // Each outcome is committed at once; waiting for its WAL flush would halve the delivery
    // rate. A server crash may lose the last few outcomes: those rows stay in sending and the
    // next run queues them again (see recover_orphans).
    n.exec0("SET synchronous_commit = off");
  }
  report.add("recovered", recover_orphans(connection, start, report));

  // With three threads, every time glibc gives freed heap back to the system (a 30 KB message
  // or a 4 MB batch) all CPUs flush their TLBs: that cost a third of the delivery rate. The
  // heap keeps its peak instead (two batches, a few MB), which stays flat with the queue size.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  // Claims run on a second connection, one batch ahead of delivery; outcomes are written on
  // this one by the recorder. The SMTP dialogue alone stays on the critical path.
  const auto claims = connect_database(config, "imuse-admin mail flush (claims)");
  pqxx::nontransaction(*claims, "mail flush setup").exec0("SET synchronous_commit = off");
  const auto files = connect_libpq(config, "imuse-admin mail flush (attachments)");
  const long max_attempts = config.get_int("mail.max_attempts");
  const auto interval =
      options.rate > 0 ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / options.rate))
                       : Clock::duration::zero();
  const std::int64_t allowed = std::min(limit, budget);
  std::int64_t requested = 0;  // rows asked for so far; a batch that comes back short drains the queue
  std::int64_t asked = 0;      // rows asked for by the batch in flight
  bool drained = false;
  const auto claim_next = [&]() -> std::future<std::vector<Pending>> {
    asked = std::min(kBatchSize, allowed - requested);
    if (drained || asked <= 0) {
      return {};
    }
    requested += asked;
    return std::async(std::launch::async, [&, n = asked] { return claim(*claims, files.get(), config, options.claimed_by, n); });
  };
  auto next_slot = Clock::now();
  int failures_in_a_row = 0;
  std::string last_temporary;
  std::size_t deferred_warnings = 0;
  Stop stop = Stop::drained;
  std::vector<Pending> batch;
  std::vector<Pending> prefetched;
  std::size_t next = 0;
  Recorder recorder(connection);
  auto upcoming = claim_next();

  progress.start("delivering", static_cast<std::size_t>(std::min(start.due + start.sending, allowed)));
  while (true) {
    if (interrupt_requested()) {
      stop = Stop::interrupted;
      break;
    }
    if (next == batch.size()) {
      if (!upcoming.valid()) {
        stop = drained ? Stop::drained : limit <= budget ? Stop::limit : Stop::hourly;
        break;
      }
      batch = upcoming.get();
      next = 0;
      drained = static_cast<std::int64_t>(batch.size()) < asked;
      upcoming = claim_next();
      if (batch.empty()) {
        break;
      }
    }
    if (!wait_for_slot(next_slot, interval)) {
      stop = Stop::interrupted;
      break;
    }
    const Pending& p = batch[next++];
    const std::string item = "message " + std::to_string(p.id) + " to " + p.message.to.email;
    Outcome outcome{p.id, DeliveryStatus::sent, p.attempts + 1, "", std::chrono::seconds(0)};
    try {
      const std::string rendered = render_message(p.message);
      const DeliveryResult result = transport.send(Envelope{p.message.from.email, p.message.to.email}, rendered);
      outcome.status = result.status;
      outcome.reply = result.reply;
    } catch (const std::invalid_argument& e) {
      outcome.status = DeliveryStatus::permanent_failure;
      outcome.reply = std::string("cannot build the message: ") + e.what();
    }
    progress.advance();
    if (outcome.status == DeliveryStatus::sent) {
      report.add("sent");
      failures_in_a_row = 0;
    } else if (outcome.status == DeliveryStatus::temporary_failure && outcome.attempts < max_attempts) {
      outcome.delay = retry_delay(outcome.attempts);
      report.add("temporary_failures");
      if (++deferred_warnings <= kMaxWarnings) {
        report.warnings.push_back(item + " deferred (attempt " + std::to_string(outcome.attempts) + ", next in " +
                                  std::to_string(outcome.delay.count() / 60) + " min): " + outcome.reply);
      }
      last_temporary = outcome.reply;
      ++failures_in_a_row;
    } else {
      const bool gave_up = outcome.status == DeliveryStatus::temporary_failure;
      if (gave_up) {
        outcome.reply = "gave up after " + std::to_string(outcome.attempts) + " attempts: " + outcome.reply;
        outcome.status = DeliveryStatus::permanent_failure;
      }
      report.add("failed");
      report.rejected.push_back({item, outcome.reply});
      failures_in_a_row = gave_up ? failures_in_a_row + 1 : 0;
    }
    recorder.push(std::move(outcome));
    if (failures_in_a_row >= kUnavailableAfter) {
      stop = Stop::unavailable;
      break;
    }
  }
  progress.finish();
  if (upcoming.valid()) {
    prefetched = upcoming.get();
  }
  recorder.finish();
  release(connection, batch, next, prefetched);
  transport.close();

  pqxx::nontransaction n(connection, "mail flush summary");
  const auto left = n.exec1(
      "SELECT count(*), count(*) FILTER (WHERE next_attempt_at <= now()) FROM mail_outbox WHERE state = 'queued'");
  const auto left_queued = left[0].as<std::int64_t>();
  const auto left_due = left[1].as<std::int64_t>();
  report.add("left_queued", left_queued);
  const std::string sent = std::to_string(report.count("sent"));
  const std::string rest = std::to_string(left_due) + " due message(s) left queued for the next run";
  report.messages.push_back("delivered " + sent + " message(s) via " + transport.describe());
  if (deferred_warnings > kMaxWarnings) {
    report.warnings.push_back(std::to_string(deferred_warnings - kMaxWarnings) + " more message(s) deferred");
  }
  if (stop == Stop::limit && left_due > 0) {
    report.messages.push_back("stopped at --limit " + std::to_string(limit) + "; " + rest);
  } else if (stop == Stop::hourly && left_due > 0) {
    report.warnings.push_back("stopped at the hourly limit (" + hourly_note + " before this run); " + rest +
                              ", which resumes where this one stopped");
  } else if (stop == Stop::interrupted) {
    report.status_if_rejected = static_cast<int>(ExitCode::interrupted);
    report.rejected.push_back(
        {"mail flush", "interrupted after " + sent + " message(s); " + rest + " (every outcome so far is recorded)"});
  }
  const std::int64_t temporary = report.count("temporary_failures");
  if (stop == Stop::unavailable || (report.count("sent") == 0 && temporary > 0)) {
    report.status_if_rejected = static_cast<int>(ExitCode::unavailable);
    report.rejected.push_back(
        {transport.describe(), (stop == Stop::unavailable ? "stopped after " + std::to_string(failures_in_a_row) +
                                                                " temporary failures in a row"
                                                          : std::string("no message could be delivered")) +
                                   " (last: " + last_temporary + "); " + rest + " and the deferred ones later"});
  }
}

}  // namespace imuse::mail
