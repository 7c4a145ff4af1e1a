#pragma once
// Portal accounts in the database: identifiers given and mailed, passwords generated, reset and
// mailed. Every function runs inside the command's transaction: mails are only queued in the
// outbox (mail flush delivers them), so a --dry-run or a failed run changes and sends nothing.
#include <cstdint>
#include <ostream>
#include <pqxx/pqxx>
#include <string>

#include "config/config.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

struct AssignIdentifiersOptions {
  std::string site;            // "" = every site
  std::int64_t family_id = 0;  // 0 = every family
};

// Gives every family without an account one, with an identifier from accounts.identifier_pattern
// (unique case-insensitively across the database; never changed afterwards) and the family's
// e-mail as login e-mail. Families without e-mail, whose e-mail is already an account's, or whose
// e-mail other families without account share, or whose identifier would be empty, are rejected
// items of the report (exit 1). ConfigError for a bad pattern; DataError for an unknown family.
void assign_identifiers(pqxx::transaction_base& tx, const Config& config, const AssignIdentifiersOptions& options,
                        Report& report);

struct SendIdentifiersOptions {
  std::string site;            // "" = every site
  std::int64_t family_id = 0;  // 0 = every account
  bool resend = false;         // false: only accounts whose identifier was never sent
};

// Queues the "identifier" mail (identifier and the site's portal URL) for each selected account
// and sets identifier_sent_at. Idempotency key "identifier:<account id>"; a resend gets
// "identifier:<account id>:resend:<n>". Accounts without e-mail are rejected items.
void send_identifiers(pqxx::work& tx, const Config& config, const SendIdentifiersOptions& options, Report& report);

enum class PasswordTarget { family, identifier, all_missing };

struct GeneratePasswordsOptions {
  PasswordTarget target = PasswordTarget::all_missing;
  std::int64_t family_id = 0;    // PasswordTarget::family
  std::string identifier;        // PasswordTarget::identifier (case-insensitive, as identifiers are unique)
  std::string site;              // PasswordTarget::all_missing: "" = every site
  bool send = false;             // queue the "password" mail (contains_secret)
  std::ostream* show = nullptr;  // the terminal, when the passwords are to be shown there
  std::string show_to;           // a file created with mode 0600 (never overwritten) for the passwords
  bool dry_run = false;          // nothing is shown or written: the passwords will not exist
  std::string command = "passwords generate";
};

// Replaces the password of each selected account by a new random one (only its argon2id hash is
// stored, so the old one stops working at once; bulk hashing uses every core). The plaintext goes
// only to the queued mail, `show` and `show_to`, never to the report. DataError when --family or
// --identifier has no account.
void generate_passwords(pqxx::work& tx, const Config& config, const GeneratePasswordsOptions& options,
                        Progress& progress, Report& report);

// The lost-password flow run by the office: the identifier must match exactly (case-sensitive,
// surrounding spaces ignored) and the e-mail trimmed and case-insensitively. Then a new password
// replaces the old one and the "password_reset" mail is queued. DataError (exit 65), with nothing
// changed and no mail, for a missing field, an unknown identifier or an e-mail that does not match.
void reset_password(pqxx::work& tx, const Config& config, const std::string& identifier, const std::string& email,
                    Report& report);

// Processes up to `limit` (0: all) unprocessed rows of password_reset_requests, oldest first,
// skipping rows another run has locked, with the rules of reset_password; records outcome,
// processed_at, account_id and outbox_id on each. Several requests for one account in a run get one
// password and one mail.
void process_reset_requests(pqxx::work& tx, const Config& config, long limit, Progress& progress, Report& report);

}  // namespace imuse
