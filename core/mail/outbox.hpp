#pragma once
// The transactional outbox (table mail_outbox): commands queue, `mail flush` delivers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "config/config.hpp"
#include "mail/message.hpp"

namespace imuse::mail {

// A message to queue. From, From name and Reply-To come from the configuration (mail.from,
// mail.from_name, mail.reply_to).
struct QueuedMail {
  std::string idempotency_key;  // the same logical message is queued once: "identifier:F0001:acc42"
  std::string kind;             // "identifier", "password", "password_reset", ...
  std::optional<std::int64_t> family_id;
  std::optional<std::int64_t> site_id;
  Address to;
  std::string subject;
  std::string text;
  std::string html;  // "" = none
  std::vector<Attachment> attachments;
  bool contains_secret = false;  // the body holds a password: redacted once delivered
  std::string created_by_command;
};

// Queues `mail` inside the caller's transaction. Returns the new message's id, or nullopt when
// a message with the same idempotency key is already in the outbox (nothing is written).
// Throws ConfigError when mail.from is not set.
std::optional<std::int64_t> queue_mail(pqxx::work& tx, const Config& config, const QueuedMail& mail);

}  // namespace imuse::mail
