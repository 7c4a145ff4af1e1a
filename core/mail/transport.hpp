#pragma once
// Where rendered messages go: an SMTP server (libcurl) or a local maildir folder.
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace imuse::mail {

enum class DeliveryStatus {
  sent,               // the server acknowledged the message (250 after DATA), or the file is in new/
  temporary_failure,  // 4xx reply, connection lost or refused, timeout: retry later
  permanent_failure,  // 5xx reply: do not retry
};

struct DeliveryResult {
  DeliveryStatus status = DeliveryStatus::sent;
  std::string reply;  // the server's reply or the error, one line, for mail_outbox.last_error
};

// SMTP envelope: bare addresses.
struct Envelope {
  std::string from;
  std::string to;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Delivers one rendered message (render_message's bytes). Reuses the open connection between
  // calls and reconnects after a failure; never throws for a delivery problem (see the status).
  virtual DeliveryResult send(const Envelope& envelope, std::string_view rendered) = 0;
  // Ends the session (SMTP QUIT); send() may be called again afterwards.
  virtual void close() {}
  // "smtp://host:port (starttls)" or "maildir:/path", for messages and logs.
  virtual std::string describe() const = 0;
};

// SMTP connection settings, as make_transport reads them from mail.smtp.*.
struct SmtpSettings {
  std::string host;
  int port = 587;
  std::string security = "starttls";  // starttls | tls | none
  std::string username;               // "" = no AUTH
  std::string password;
  int timeout_seconds = 30;
  std::string ca_file;    // "" = the system's CA store
  std::string helo_name;  // name given in EHLO; "" = this machine's host name
};

// An SMTP transport (libcurl) that keeps one connection open for the whole batch.
std::unique_ptr<Transport> make_smtp_transport(const SmtpSettings& settings);

// A maildir transport writing into `folder`/new (tmp/, new/ and cur/ are created when missing).
std::unique_ptr<Transport> make_maildir_transport(const std::string& folder);

// The transport the configuration selects (mail.transport, mail.smtp.*, mail.maildir).
// Throws ConfigError (exit 78) when the configuration is incomplete (no host, a user name
// without password source, an unreadable password file, an unset password variable).
std::unique_ptr<Transport> make_transport(const Config& config);

}  // namespace imuse::mail
