#include "accounts/accounts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>
#include <vector>

#include "accounts/identifiers.hpp"
#include "accounts/passwords.hpp"
#include "db/copy.hpp"
#include "mail/outbox.hpp"
#include "mail/templates.hpp"
#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

// An account with what its mails need: family, site, portal URL.
struct AccountRow {
  std::int64_t id = 0;
  std::string identifier;
  std::optional<std::string> email;
  std::int64_t family_id = 0;
  std::optional<std::string> ref;
  std::optional<std::string> civility;
  std::string last_name;
  std::optional<std::string> first_name;
  std::int64_t site_id = 0;
  std::string site_code;
  std::string site_name;
  std::string portal_url;
};

constexpr const char* kAccountSelect =
    "SELECT a.id, a.identifier, a.email, f.id, f.external_ref, f.civility, f.last_name, f.first_name, "
    "       s.id, s.code, s.name, s.portal_url "
    "FROM accounts a JOIN families f ON f.id = a.family_id JOIN sites s ON s.id = f.site_id ";

std::optional<std::string> optional_text(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional(f.as<std::string>());
}

AccountRow account_row(const pqxx::row& r) {
  return AccountRow{r[0].as<std::int64_t>(), r[1].as<std::string>(), optional_text(r[2]),     r[3].as<std::int64_t>(),
                    optional_text(r[4]),     optional_text(r[5]),    r[6].as<std::string>(),  optional_text(r[7]),
                    r[8].as<std::int64_t>(), r[9].as<std::string>(), r[10].as<std::string>(), r[11].as<std::string>()};
}

Cell cell(const std::optional<std::string>& s) {
  return s ? Cell{*s} : Cell{};
}

// "family 12 (F0001, CONS1, Lefèvre Hélène)": what the office looks the family up by.
std::string family_label(std::int64_t id, const std::optional<std::string>& ref, const std::string& site,
                         const std::string& last_name, const std::optional<std::string>& first_name) {
  std::string label = "family " + std::to_string(id) + " (";
  if (ref) {
    label += *ref + ", ";
  }
  return label + site + ", " + last_name + (first_name ? " " + *first_name : "") + ")";
}

std::string family_label(const AccountRow& a) {
  return family_label(a.family_id, a.ref, a.site_code, a.last_name, a.first_name);
}

// "{1,2,3}" for a bigint[] parameter.
std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out += (i ? "," : "") + std::to_string(ids[i]);
  }
  return out + "}";
}

// '{"a","b"}' for a text[] parameter; the values must hold no '"' or '\' (hashes do not).
std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i ? ",\"" : "\"") + values[i] + "\"";
  }
  return out + "}";
}

std::string civility_word(const std::optional<std::string>& civility) {
  if (!civility) {
    return "";
  }
  return *civility == "MME" ? "Madame" : "Monsieur";
}

// The template variables documented in config/templates/README (school, site, family, account).
nlohmann::json mail_variables(const Config& config, const AccountRow& a) {
  nlohmann::json school = nlohmann::json::object();
  for (const char* key : {"name", "address", "postal_code", "city", "phone", "email", "website"}) {
    school[key] = config.get(std::string("school.") + key);
  }
  return nlohmann::json{
      {"school", school},
      {"site", {{"code", a.site_code}, {"name", a.site_name}, {"portal_url", a.portal_url}}},
      {"family",
       {{"civility", civility_word(a.civility)},
        {"last_name", a.last_name},
        {"first_name", a.first_name.value_or("")},
        {"ref", a.ref.value_or("")}}},
      {"account", {{"identifier", a.identifier}, {"email", a.email.value_or("")}}},
  };
}

// Renders `template_name` for the account and queues it; `password`, when given, goes into the
// variables and the message is marked contains_secret. nullopt when the key was already queued.
std::optional<std::int64_t> queue_account_mail(pqxx::work& tx, const Config& config, const AccountRow& a,
                                               const std::string& template_name, const std::string& key,
                                               const std::string& command, const std::string* password) {
  nlohmann::json variables = mail_variables(config, a);
  if (password != nullptr) {
    variables["password"] = *password;
  }
  mail::RenderedTemplate rendered = mail::render_template(config, template_name, a.site_code, variables);
  if (password != nullptr) {
    wipe_secret(variables["password"].get_ref<std::string&>());
  }
  mail::QueuedMail mail;
  mail.idempotency_key = key;
  mail.kind = template_name;
  mail.family_id = a.family_id;
  mail.site_id = a.site_id;
  mail.to = mail::Address{*a.email, trim(a.first_name.value_or("") + " " + a.last_name)};
  mail.subject = rendered.subject;
  mail.text = std::move(rendered.text);
  mail.html = std::move(rendered.html);
  mail.contains_secret = password != nullptr;
  mail.created_by_command = command;
  const auto id = mail::queue_mail(tx, config, mail);
  wipe_secret(mail.text);
  wipe_secret(mail.html);
  return id;
}

void require_mail_from(const Config& config) {
  if (config.get("mail.from").empty()) {
    throw ConfigError("mail.from is not set: no e-mail can be queued (set mail.from in the configuration)");
  }
}

// A timestamp unique to this transaction, for idempotency keys of messages that are new each time.
std::string transaction_stamp(pqxx::transaction_base& tx) {
  return tx.exec1("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS.US\"Z\"')")[0].as<std::string>();
}

// New passwords for `accounts`: generated, hashed on every core, stored (the old hashes go), and
// returned in the same order for delivery. The caller wipes them.
std::vector<std::string> renew_passwords(pqxx::transaction_base& tx, const PasswordPolicy& policy,
                                         const std::vector<AccountRow>& accounts, bool mailed, Progress& progress) {
  if (accounts.empty()) {
    return {};
  }
  std::vector<std::string> plains;
  plains.reserve(accounts.size());
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    plains.push_back(generate_password(policy.length, policy.alphabet));
  }
  progress.start("hashing passwords", accounts.size());
  const auto hashes = hash_passwords(plains, policy.limits, policy.threads, [&progress] { progress.advance(1); });
  progress.finish();
  std::vector<std::int64_t> ids;
  ids.reserve(accounts.size());
  for (const auto& a : accounts) {
    ids.push_back(a.id);
  }
  tx.exec_params0(
      "UPDATE accounts a SET password_hash = n.hash, password_set_at = now(), must_change_password = true, "
      "       password_sent_at = CASE WHEN $3 THEN now() ELSE a.password_sent_at END "
      "FROM unnest($1::bigint[], $2::text[]) AS n(id, hash) WHERE a.id = n.id",
      id_array(ids), text_array(hashes), mailed);
  return plains;
}

// One CSV field, quoted when needed.
std::string csv_field(const std::string& value) {
  if (value.find_first_of(";\"\r\n") == std::string::npos) {
    return value;
  }
  std::string out = "\"";
  for (const char c : value) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

// Writes the passwords to a new file of mode 0600; an existing file is never overwritten.
void write_password_file(const std::string& path, const std::vector<AccountRow>& accounts,
                         const std::vector<std::string>& plains) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw OutputError(errno == EEXIST ? path + " already exists: a password file is never overwritten"
                                      : "cannot create " + path + ": " + std::strerror(errno));
  }
  ::fchmod(fd, 0600);  // whatever the umask
  std::string content = "family_id;ref;site;civility;last_name;first_name;identifier;email;password\n";
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const AccountRow& a = accounts[i];
    content += std::to_string(a.family_id) + ";" + csv_field(a.ref.value_or("")) + ";" + a.site_code + ";" +
               civility_word(a.civility) + ";" + csv_field(a.last_name) + ";" + csv_field(a.first_name.value_or("")) +
               ";" + a.identifier + ";" + csv_field(a.email.value_or("")) + ";" + plains[i] + "\n";
  }
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      wipe_secret(content);
      ::close(fd);
      throw OutputError("cannot write " + path + ": " + reason);
    }
    written += static_cast<std::size_t>(n);
  }
  wipe_secret(content);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    throw OutputError("cannot write " + path + ": " + std::strerror(errno));
  }
}

// The passwords as a table on the terminal.
void show_passwords(std::ostream& out, const std::vector<AccountRow>& accounts,
                    const std::vector<std::string>& plains) {
  std::size_t width = std::string("identifier").size();
  for (const auto& a : accounts) {
    width = std::max(width, a.identifier.size());
  }
  auto pad = [width](const std::string& s) { return s + std::string(width - std::min(width, s.size()) + 2, ' '); };
  out << pad("identifier") << "password\n";
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    out << pad(accounts[i].identifier) << plains[i] << '\n';
  }
  out.flush();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// identifiers assign

void assign_identifiers(pqxx::transaction_base& tx, const Config& config, const AssignIdentifiersOptions& options,
                        Report& report) {
  const IdentifierPattern pattern(config.get("accounts.identifier_pattern"));
  for (const char* name : {"created", "no_email", "email_in_use", "email_shared", "empty_identifier"}) {
    report.add(name, 0);
  }
  if (!options.site.empty()) {
    require_site(tx, options.site);
  }
  if (options.family_id != 0) {
    const auto f =
        tx.exec_params("SELECT a.identifier FROM families f LEFT JOIN accounts a ON a.family_id = f.id WHERE f.id = $1",
                       options.family_id);
    if (f.empty()) {
      throw DataError("no family with id " + std::to_string(options.family_id));
    }
    if (!f[0][0].is_null()) {
      report.add("already_assigned");
      report.messages.push_back("family " + std::to_string(options.family_id) + " already has the identifier " +
                                f[0][0].as<std::string>() + " (identifiers never change)");
      return;
    }
  }

  std::unordered_set<std::string> taken;
  for (const auto& r : tx.exec("SELECT lower(identifier) FROM accounts")) {
    taken.insert(r[0].as<std::string>());
  }
  std::int64_t next_seq = static_cast<std::int64_t>(taken.size()) + 1;

  // Each family without account, with the account already using its e-mail and the other
  // families without account that share it (one identifier per e-mail address).
  const auto rows = tx.exec_params(
      "SELECT f.id, f.external_ref, s.code, f.last_name, f.first_name, btrim(f.email), "
      "       (SELECT a.identifier || ' of family ' || a.family_id FROM accounts a "
      "         WHERE lower(btrim(a.email)) = lower(btrim(f.email)) LIMIT 1), "
      "       (SELECT string_agg(o.id || coalesce(' (' || o.external_ref || ')', ''), ', ' ORDER BY o.id) "
      "          FROM families o WHERE o.id <> f.id AND lower(btrim(o.email)) = lower(btrim(f.email)) "
      "           AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.family_id = o.id)) "
      "FROM families f JOIN sites s ON s.id = f.site_id "
      "WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.family_id = f.id) "
      "  AND ($1 = '' OR s.code = $1) AND ($2 = 0 OR f.id = $2) "
      "ORDER BY f.id",
      options.site, options.family_id);

  Table table{{"family_id", "ref", "site", "last_name", "first_name", "identifier", "email"}, {}};
  std::vector<std::vector<std::string>> accounts;  // family_id, identifier, email
  for (const auto& r : rows) {
    const auto family_id = r[0].as<std::int64_t>();
    const auto ref = optional_text(r[1]);
    const auto site = r[2].as<std::string>();
    const auto last_name = r[3].as<std::string>();
    const auto first_name = optional_text(r[4]);
    const std::string label = family_label(family_id, ref, site, last_name, first_name);
    if (r[5].is_null()) {
      report.add("no_email");
      report.rejected.push_back({label,
                                 "no e-mail address: the account could receive neither its identifier nor "
                                 "a password; add the family's e-mail, then run identifiers assign again"});
      continue;
    }
    const auto email = r[5].as<std::string>();
    if (!r[6].is_null()) {
      report.add("email_in_use");
      report.rejected.push_back({label, "e-mail " + email + " is already the login e-mail of account " +
                                            r[6].as<std::string>() + " (one identifier per e-mail address)"});
      continue;
    }
    if (!r[7].is_null()) {
      report.add("email_shared");
      report.rejected.push_back({label, "e-mail " + email + " is also the e-mail of family " + r[7].as<std::string>() +
                                            " (one identifier per e-mail address): correct the e-mails or merge "
                                            "the families, then run identifiers assign again"});
      continue;
    }
    IdentifierFields fields{last_name, first_name.value_or(""), ref.value_or(""), family_id, site, next_seq};
    std::string identifier = pattern.render(fields);
    if (identifier.empty()) {
      report.add("empty_identifier");
      report.rejected.push_back({label, "the identifier pattern \"" + config.get("accounts.identifier_pattern") +
                                            "\" gives nothing for this family (its fields are empty)"});
      continue;
    }
    if (pattern.uses_sequence()) {
      while (taken.count(ascii_lower(identifier)) != 0) {
        fields.seq = ++next_seq;
        identifier = pattern.render(fields);
      }
      ++next_seq;
    } else {
      const std::string base = identifier;
      for (int n = 2; taken.count(ascii_lower(identifier)) != 0; ++n) {
        identifier = identifier_with_suffix(base, n);
      }
    }
    taken.insert(ascii_lower(identifier));
    accounts.push_back({std::to_string(family_id), identifier, email});
    table.rows.push_back({family_id, cell(ref), site, last_name, cell(first_name), identifier, email});
  }

  if (!accounts.empty()) {
    CopyWriter copy(tx, "accounts", {"family_id", "identifier", "email"});
    for (const auto& a : accounts) {
      copy.field(a[0]);
      copy.field(a[1]);
      copy.field(a[2]);
      copy.end_row();
    }
    copy.complete();
  }
  report.add("created", static_cast<std::int64_t>(accounts.size()));
  report.table = std::move(table);
}

// ---------------------------------------------------------------------------------------------
// identifiers send

void send_identifiers(pqxx::work& tx, const Config& config, const SendIdentifiersOptions& options, Report& report) {
  for (const char* name : {"queued", "already_sent", "already_queued", "no_email"}) {
    report.add(name, 0);
  }
  if (!options.site.empty()) {
    require_site(tx, options.site);
  }
  if (options.family_id != 0 &&
      tx.exec_params("SELECT 1 FROM accounts WHERE family_id = $1", options.family_id).empty()) {
    throw DataError("family " + std::to_string(options.family_id) +
                    " has no account (or does not exist): run identifiers assign first");
  }
  require_mail_from(config);
  const std::string filter = "WHERE ($1 = '' OR s.code = $1) AND ($2 = 0 OR f.id = $2) ";
  if (!options.resend) {
    report.add("already_sent", tx.exec_params1("SELECT count(*) FROM accounts a JOIN families f ON f.id = a.family_id "
                                               "JOIN sites s ON s.id = f.site_id " +
                                                   filter + "AND a.identifier_sent_at IS NOT NULL",
                                               options.site, options.family_id)[0]
                                   .as<std::int64_t>());
  }
  const auto rows = tx.exec_params(
      std::string(kAccountSelect) + filter + "AND ($3 OR a.identifier_sent_at IS NULL) ORDER BY a.id FOR UPDATE OF a",
      options.site, options.family_id, options.resend);
  const std::string stamp = options.resend ? transaction_stamp(tx) : "";
  const std::string command = options.resend ? "identifiers send --resend" : "identifiers send";
  Table table{{"account_id", "identifier", "family_id", "ref", "site", "email", "mail"}, {}};
  std::vector<std::int64_t> sent;
  for (const auto& r : rows) {
    const AccountRow a = account_row(r);
    if (!a.email) {
      report.add("no_email");
      report.rejected.push_back({family_label(a), "account " + a.identifier + " has no e-mail address"});
      continue;
    }
    const std::string first_key = "identifier:" + std::to_string(a.id);
    auto id = queue_account_mail(tx, config, a, "identifier", first_key, command, nullptr);
    if (!id && options.resend) {
      id = queue_account_mail(tx, config, a, "identifier", first_key + ":resend:" + stamp, command, nullptr);
    }
    std::string state = "queued";
    if (id) {
      report.add("queued");
    } else {
      report.add("already_queued");  // in the outbox already: never twice without --resend
      state = "already queued";
    }
    sent.push_back(a.id);
    table.rows.push_back({a.id, a.identifier, a.family_id, cell(a.ref), a.site_code, *a.email, state});
  }
  if (!sent.empty()) {
    tx.exec_params0("UPDATE accounts SET identifier_sent_at = now() WHERE id = ANY($1::bigint[])", id_array(sent));
  }
  report.table = std::move(table);
}

// ---------------------------------------------------------------------------------------------
// passwords generate

void generate_passwords(pqxx::work& tx, const Config& config, const GeneratePasswordsOptions& options,
                        Progress& progress, Report& report) {
  const PasswordPolicy policy = password_policy(config);
  const bool shown = options.show != nullptr || !options.show_to.empty();
  if (!options.send && !shown) {
    throw UsageError(
        "passwords generate: give --send, --show or --show-to FILE (a password nobody receives is useless)");
  }
  if (options.send) {
    require_mail_from(config);
  }
  for (const char* name : {"generated", "mails_queued", "no_email"}) {
    report.add(name, 0);
  }
  pqxx::result rows;
  switch (options.target) {
    case PasswordTarget::family:
      rows = tx.exec_params(std::string(kAccountSelect) + "WHERE f.id = $1 FOR UPDATE OF a", options.family_id);
      if (rows.empty()) {
        throw DataError("family " + std::to_string(options.family_id) +
                        " has no account (or does not exist): run identifiers assign first");
      }
      break;
    case PasswordTarget::identifier:
      rows = tx.exec_params(std::string(kAccountSelect) + "WHERE lower(a.identifier) = lower($1) FOR UPDATE OF a",
                            trim(options.identifier));
      if (rows.empty()) {
        throw DataError("no account has the identifier \"" + trim(options.identifier) + "\"");
      }
      break;
    case PasswordTarget::all_missing:
      if (!options.site.empty()) {
        require_site(tx, options.site);
      }
      rows =
          tx.exec_params(std::string(kAccountSelect) +
                             "WHERE a.password_hash IS NULL AND ($1 = '' OR s.code = $1) ORDER BY a.id FOR UPDATE OF a",
                         options.site);
      break;
  }

  std::vector<AccountRow> accounts;
  for (const auto& r : rows) {
    AccountRow a = account_row(r);
    if (options.send && !a.email) {
      if (!shown) {
        report.add("no_email");
        report.rejected.push_back({family_label(a), "account " + a.identifier +
                                                        " has no e-mail address: its password cannot be sent "
                                                        "(use --show-to FILE for a letter)"});
        continue;
      }
      report.warnings.push_back("account " + a.identifier + " has no e-mail address: its password is only shown");
    }
    accounts.push_back(std::move(a));
  }

  std::vector<std::string> plains = renew_passwords(tx, policy, accounts, options.send, progress);
  report.add("generated", static_cast<std::int64_t>(accounts.size()));
  Table table{{"account_id", "identifier", "family_id", "ref", "site", "mail"}, {}};
  const std::string stamp = transaction_stamp(tx);
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const AccountRow& a = accounts[i];
    std::string state = "not sent";
    if (options.send && a.email) {
      const auto id = queue_account_mail(tx, config, a, "password", "password:" + std::to_string(a.id) + ":" + stamp,
                                         options.command, &plains[i]);
      if (!id) {
        throw std::logic_error("the password mail of account " + a.identifier + " was already queued");
      }
      report.add("mails_queued");
      state = "queued";
    }
    table.rows.push_back({a.id, a.identifier, a.family_id, cell(a.ref), a.site_code, state});
  }
  if (shown && options.dry_run) {
    report.messages.push_back("dry run: the new passwords were not stored, so none is shown or written");
  } else if (!accounts.empty()) {
    if (!options.show_to.empty()) {
      write_password_file(options.show_to, accounts, plains);
      report.messages.push_back("passwords written to " + options.show_to + " (mode 0600): delete it once used");
    } else if (options.show != nullptr) {
      show_passwords(*options.show, accounts, plains);
    }
  }
  wipe_secrets(plains);
  report.table = std::move(table);
}

// ---------------------------------------------------------------------------------------------
// passwords reset

void reset_password(pqxx::work& tx, const Config& config, const std::string& identifier, const std::string& email,
                    Report& report) {
  const std::string id = trim(identifier);
  const std::string mail_address = trim(email);
  if (id.empty() || mail_address.empty()) {
    throw DataError(std::string("check what you typed: both the identifier and the e-mail address are required (") +
                    (id.empty() ? "the identifier" : "the e-mail address") + " is missing)");
  }
  const PasswordPolicy policy = password_policy(config);
  require_mail_from(config);
  const auto rows = tx.exec_params(std::string(kAccountSelect) + "WHERE a.identifier = $1 FOR UPDATE OF a", id);
  if (rows.empty()) {
    throw DataError("check what you typed: no account has the identifier \"" + id +
                    "\" (identifiers are case-sensitive); nothing was changed");
  }
  const AccountRow a = account_row(rows[0]);
  if (!a.email || ascii_lower(trim(*a.email)) != ascii_lower(mail_address)) {
    throw DataError("the e-mail address does not match the one of account \"" + id +
                    "\": nothing was changed; the family must contact the office");
  }
  NullProgress quiet;
  std::vector<std::string> plains = renew_passwords(tx, policy, {a}, true, quiet);
  const auto outbox_id = queue_account_mail(tx, config, a, "password_reset",
                                            "password_reset:" + std::to_string(a.id) + ":" + transaction_stamp(tx),
                                            "passwords reset", &plains[0]);
  wipe_secrets(plains);
  report.add("reset", 1);
  report.add("mails_queued", outbox_id ? 1 : 0);
  report.details = {{"identifier", a.identifier},
                    {"family", family_label(a)},
                    {"mail", std::string("new password queued for ") + *a.email}};
}

// ---------------------------------------------------------------------------------------------
// passwords process-requests

void process_reset_requests(pqxx::work& tx, const Config& config, long limit, Progress& progress, Report& report) {
  const PasswordPolicy policy = password_policy(config);
  for (const char* name : {"processed", "sent", "mismatch", "missing_field", "unknown_identifier", "mails_queued"}) {
    report.add(name, 0);
  }
  // Oldest first; rows another run holds are skipped, not waited for.
  const auto requests = tx.exec_params(
      "SELECT r.id, coalesce(btrim(r.identifier), ''), coalesce(btrim(r.email), ''), r.site_id "
      "FROM password_reset_requests r WHERE r.processed_at IS NULL "
      "ORDER BY r.requested_at, r.id LIMIT CASE WHEN $1 > 0 THEN $1 END FOR UPDATE SKIP LOCKED",
      limit);
  if (requests.empty()) {
    return;
  }
  require_mail_from(config);

  struct Outcome {
    std::int64_t request_id = 0;
    std::string identifier;
    std::string outcome;
    std::optional<std::int64_t> account_id;
  };
  std::vector<Outcome> outcomes;
  std::vector<AccountRow> accounts;            // accounts that get a new password, once each
  std::map<std::int64_t, std::size_t> index;   // account id -> position in `accounts`
  std::map<std::int64_t, std::int64_t> first;  // account id -> its first request (mail key)
  for (const auto& r : requests) {
    Outcome o{r[0].as<std::int64_t>(), r[1].as<std::string>(), "", std::nullopt};
    const std::string email = r[2].as<std::string>();
    if (o.identifier.empty() || email.empty()) {
      o.outcome = "missing_field";
    } else {
      const auto found =
          tx.exec_params(std::string(kAccountSelect) + "WHERE a.identifier = $1 FOR UPDATE OF a", o.identifier);
      if (found.empty() || (!r[3].is_null() && found[0][8].as<std::int64_t>() != r[3].as<std::int64_t>())) {
        o.outcome = "unknown_identifier";  // unknown, or not on the site the family chose at the portal
      } else {
        AccountRow a = account_row(found[0]);
        o.account_id = a.id;
        if (!a.email || ascii_lower(trim(*a.email)) != ascii_lower(email)) {
          o.outcome = "mismatch";
        } else {
          o.outcome = "sent";
          if (index.emplace(a.id, accounts.size()).second) {
            first[a.id] = o.request_id;
            accounts.push_back(std::move(a));
          }
        }
      }
    }
    report.add("processed");
    report.add(o.outcome);
    outcomes.push_back(std::move(o));
  }

  std::vector<std::string> plains = renew_passwords(tx, policy, accounts, true, progress);
  std::map<std::int64_t, std::int64_t> outbox;  // account id -> queued message
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const AccountRow& a = accounts[i];
    const auto id =
        queue_account_mail(tx, config, a, "password_reset", "password_reset:request:" + std::to_string(first[a.id]),
                           "passwords process-requests", &plains[i]);
    if (!id) {
      throw std::logic_error("the mail of password reset request " + std::to_string(first[a.id]) +
                             " was already queued");
    }
    outbox[a.id] = *id;
    report.add("mails_queued");
  }
  wipe_secrets(plains);

  Table table{{"request_id", "identifier", "outcome", "account_id", "outbox_id"}, {}};
  for (const auto& o : outcomes) {
    std::optional<std::int64_t> outbox_id;
    if (o.outcome == "sent") {
      outbox_id = outbox.at(*o.account_id);
    }
    tx.exec_params0(
        "UPDATE password_reset_requests SET processed_at = now(), outcome = $2, account_id = $3, outbox_id = $4 "
        "WHERE id = $1",
        o.request_id, o.outcome, o.account_id, outbox_id);
    table.rows.push_back({o.request_id, o.identifier, o.outcome, o.account_id ? Cell{*o.account_id} : Cell{},
                          outbox_id ? Cell{*outbox_id} : Cell{}});
  }
  report.table = std::move(table);
}

}  // namespace imuse
