// Chooses and configures the transport from mail.* settings.
#include "mail/transport.hpp"

#include <fstream>
#include <sstream>

#include "util/error.hpp"

namespace imuse::mail {

namespace {

// The SMTP password from the file or the environment variable the configuration names; never
// from the command line, where other users could read it in the process list.
std::string read_password(const Config& config) {
  if (const auto& file = config.get("mail.smtp.password_file"); !file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      throw ConfigError("mail.smtp.password_file: cannot read " + file);
    }
    std::stringstream content;
    content << in.rdbuf();
    std::string password = content.str();
    // Editors and `echo pw > file` end the file with a newline that is not part of the password.
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
    if (password.empty()) {
      throw ConfigError("mail.smtp.password_file: " + file + " is empty");
    }
    return password;
  }
  if (const auto& name = config.get("mail.smtp.password_env"); !name.empty()) {
    const auto value = process_getenv(name);
    if (!value || value->empty()) {
      throw ConfigError("mail.smtp.password_env names " + name + ", which is not set in this environment");
    }
    return *value;
  }
  throw ConfigError("mail.smtp.username is set but neither mail.smtp.password_file nor mail.smtp.password_env is");
}

}  // namespace

std::unique_ptr<Transport> make_transport(const Config& config) {
  const auto& kind = config.get("mail.transport");
  if (kind == "maildir" || kind.empty()) {
    const auto& folder = config.get("mail.maildir");
    if (folder.empty()) {
      throw ConfigError("mail.transport is maildir but mail.maildir names no folder");
    }
    return make_maildir_transport(folder);
  }
  if (kind != "smtp") {
    throw ConfigError("mail.transport must be maildir or smtp, not " + kind);
  }
  SmtpSettings settings;
  settings.host = config.get("mail.smtp.host");
  if (settings.host.empty()) {
    throw ConfigError("mail.transport is smtp but mail.smtp.host is not set");
  }
  settings.port = static_cast<int>(config.get_int("mail.smtp.port"));
  settings.security = config.get("mail.smtp.security");
  if (settings.security != "starttls" && settings.security != "tls" && settings.security != "none") {
    throw ConfigError("mail.smtp.security must be starttls, tls or none, not " + settings.security);
  }
  settings.username = config.get("mail.smtp.username");
  if (!settings.username.empty()) {
    settings.password = read_password(config);
  }
  settings.timeout_seconds = static_cast<int>(config.get_int("mail.smtp.timeout"));
  settings.ca_file = config.get("mail.smtp.ca_file");
  return make_smtp_transport(settings);
}

}  // namespace imuse::mail
