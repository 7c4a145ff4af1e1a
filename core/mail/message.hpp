#pragma once
// An e-mail as imuse-admin builds it, and its RFC 5322 / MIME rendering.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace imuse::mail {

// A mailbox: bare address plus optional display name (UTF-8, any characters).
struct Address {
  std::string email;
  std::string name;
};

// A file attached to a message.
struct Attachment {
  std::string file_name;     // UTF-8; encoded per RFC 2231 when not plain ASCII
  std::string content_type;  // "application/pdf"
  std::string content;       // the bytes
};

struct Message {
  Address from;
  Address reply_to;  // email empty: no Reply-To header
  Address to;
  std::string subject;  // UTF-8, one line
  std::string text;     // the plain-text part, always present (UTF-8, any line ends)
  std::string html;     // optional HTML alternative ("" = none)
  std::vector<Attachment> attachments;
  std::vector<std::pair<std::string, std::string>> extra_headers;  // e.g. {"X-Imuse-Kind", "identifier"}
  std::string message_id;  // "<local@domain>"; make_message_id() when empty
  std::chrono::system_clock::time_point date = std::chrono::system_clock::now();
};

// The message as bytes ready for SMTP DATA or a maildir file: CRLF line ends only, every line
// at most 998 octets, headers encoded per RFC 2047, a CR or LF in a header value never
// starts a new header. Throws std::invalid_argument when an address is not a valid mailbox.
std::string render_message(const Message& message);

// True when `email` is a bare address render_message and the transports accept
// (ASCII dot-atom local part, host name domain); the checks are stricter than RFC 5321's.
bool is_valid_address(const std::string& email);

// A new globally unique Message-ID "<random.time@domain>".
std::string make_message_id(const std::string& domain);

}  // namespace imuse::mail
