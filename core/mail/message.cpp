// RFC 5322 / MIME rendering. Everything a receiving server or a spam filter checks is here:
// CRLF only, short lines, encoded UTF-8 headers, no way for data to forge a header.
#include "mail/message.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>

#include "util/fold.hpp"

namespace imuse::mail {

namespace {

constexpr std::size_t kFoldAt = 76;          // RFC 2047 limit for lines holding encoded words
constexpr std::size_t kEncodedWordMax = 75;  // RFC 2047 section 2
constexpr const char* kHex = "0123456789ABCDEF";

void init_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      throw std::runtime_error("libsodium could not be initialised");
    }
  });
}

std::string random_hex(std::size_t bytes) {
  init_sodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out;
  for (unsigned char c : raw) {
    out += static_cast<char>(std::tolower(kHex[c >> 4]));
    out += static_cast<char>(std::tolower(kHex[c & 15]));
  }
  return out;
}

bool is_atext(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// Header text on one line: CR, LF and other controls become spaces, so data can never start a
// header of its own ("x\r\nBcc: ..."); runs of white space collapse, ends are trimmed.
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) {
      out += ' ';
    }
    space = false;
    out += c;
  }
  return out;
}

// Why `email` is not a mailbox we send to, or "" when it is one. Conservative: ASCII dot-atom
// local part, host name domain. What we send to must survive any SMTP server, and anything odder
// is far more likely a typo than a real address.
std::string address_problem(std::string_view email) {
  if (email.empty()) {
    return "it is empty";
  }
  if (email.size() > 254) {
    return "it is longer than 254 characters";
  }
  const auto at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size()) {
    return "expected local-part@domain";
  }
  const auto local = email.substr(0, at);
  const auto domain = email.substr(at + 1);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return "bad local part";
  }
  for (char c : local) {
    if (c != '.' && !is_atext(c)) {
      return "character not allowed before the @";
    }
  }
  std::size_t start = 0;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    if (dot == std::string_view::npos) {
      dot = domain.size();
    }
    const auto label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return "bad domain";
    }
    for (char c : label) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') {
        return "character not allowed in the domain";
      }
    }
    start = dot + 1;
  }
  return "";
}

void validate_address(const std::string& email, const char* role) {
  if (const auto problem = address_problem(email); !problem.empty()) {
    throw std::invalid_argument(std::string(role) + " address \"" + one_line(email) + "\" is not valid: " + problem);
  }
}

bool is_ascii_printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

std::size_t utf8_char_length(std::string_view s, std::size_t pos) {
  const auto c = static_cast<unsigned char>(s[pos]);
  std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (pos + n > s.size()) {
    return 1;
  }
  for (std::size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(s[pos + i]) & 0xC0) != 0x80) {
      return 1;  // not UTF-8: one byte at a time, still never split a valid character
    }
  }
  return n;
}

std::string base64(std::string_view bytes) {
  static constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (n > 1) {
      v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    if (n > 2) {
      v |= static_cast<unsigned char>(bytes[i + 2]);
    }
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += n > 1 ? kAlphabet[(v >> 6) & 63] : '=';
    out += n > 2 ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// RFC 2047 B encoded-words for `text`, each cut on a character boundary; the first is at most
// `first_max` long so that it fits on the header's first line.
std::vector<std::string> encoded_words(std::string_view text, std::size_t first_max) {
  static constexpr std::string_view kPrefix = "=?utf-8?B?";
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t max = words.empty() ? first_max : kEncodedWordMax;
    std::size_t end = pos;
    while (end < text.size()) {
      const std::size_t next = end + utf8_char_length(text, end);
      if (kPrefix.size() + 2 + (next - pos + 2) / 3 * 4 > max && end > pos) {
        break;
      }
      end = next;
    }
    words.push_back(std::string(kPrefix) + base64(text.substr(pos, end - pos)) + "?=");
    pos = end;
  }
  return words;
}

// "Name: token token ...", folded with CRLF SP before a token that would pass kFoldAt.
std::string fold_header(const std::string& name, const std::vector<std::string>& tokens) {
  std::string out = name + ":";
  std::size_t line = out.size();
  for (const auto& token : tokens) {
    if (line + 1 + token.size() > kFoldAt && line > name.size() + 1) {
      out += "\r\n";
      line = 0;
    }
    out += ' ';
    out += token;
    line += 1 + token.size();
  }
  return out + "\r\n";
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    if (end > start) {
      words.emplace_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return words;
}

// Tokens of an unstructured value (Subject, extra headers): plain words when the text is plain
// ASCII that folds cleanly, encoded-words otherwise.
std::vector<std::string> unstructured_tokens(const std::string& name, std::string_view raw) {
  const std::string text = one_line(raw);
  auto words = split_words(text);
  const bool plain = is_ascii_printable(text) && text.find("=?") == std::string::npos &&
                     std::all_of(words.begin(), words.end(), [](const std::string& w) { return w.size() <= 70; });
  if (plain) {
    return words;
  }
  return encoded_words(text, kFoldAt - name.size() - 2);
}

bool is_plain_word(std::string_view word) {
  return word.size() <= 70 && word.find("=?") == std::string_view::npos &&
         std::all_of(word.begin(), word.end(), [](char c) { return is_atext(c); });
}

// A display name as a phrase: atoms as they are, a short ASCII name with specials as a quoted
// string, otherwise plain words kept and the other words encoded, consecutive ones in one run.
// Encoding only what needs it keeps the whitespace between words outside encoded-words, where
// every reader keeps it (Python's parser, for one, mishandles it between adjacent encoded-words
// of a phrase).
std::vector<std::string> phrase_tokens(std::string_view raw, std::size_t first_max) {
  const std::string text = one_line(raw);
  const auto words = split_words(text);
  if (std::all_of(words.begin(), words.end(), [](const std::string& w) { return is_plain_word(w); })) {
    return words;
  }
  if (is_ascii_printable(text) && text.find("=?") == std::string::npos && text.size() <= 60) {
    std::string quoted = "\"";
    for (char c : text) {
      if (c == '"' || c == '\\') {
        quoted += '\\';
      }
      quoted += c;
    }
    return {quoted + "\""};
  }
  std::vector<std::string> tokens;
  std::string run;
  const auto flush_run = [&] {
    if (!run.empty()) {
      for (auto& word : encoded_words(run, tokens.empty() ? first_max : kEncodedWordMax)) {
        tokens.push_back(std::move(word));
      }
      run.clear();
    }
  };
  for (const auto& word : words) {
    if (is_plain_word(word)) {
      flush_run();
      tokens.push_back(word);
    } else {
      run += run.empty() ? word : " " + word;
    }
  }
  flush_run();
  return tokens;
}

std::string address_header(const std::string& name, const Address& address, const char* role) {
  validate_address(address.email, role);
  auto tokens = phrase_tokens(address.name, kFoldAt - name.size() - 2);
  tokens.push_back("<" + address.email + ">");
  return fold_header(name, tokens);
}

std::string format_date(std::chrono::system_clock::time_point when) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// Lines of `text` whatever their ends (CRLF, LF or a lone CR), without the ends.
std::vector<std::string_view> body_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      lines.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      start = i + 1;
    }
  }
  if (start < text.size()) {
    lines.push_back(text.substr(start));
  }
  return lines;
}

// Quoted-printable (RFC 2045 6.7) with CRLF line ends and soft breaks keeping lines <= 76.
std::string quoted_printable(std::string_view text) {
  std::string out;
  for (const auto line : body_lines(text)) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      const bool last = i + 1 == line.size();
      std::string piece;
      // A leading "." or "From " is encoded too: relays that mangle them then have nothing to do.
      const bool guard = width == 0 && (c == '.' || (c == 'F' && line.substr(i, 5) == "From "));
      if ((c >= 33 && c <= 126 && c != '=' && !guard) || ((c == ' ' || c == '\t') && !last)) {
        piece = static_cast<char>(c);
      } else {
        piece = {'=', kHex[c >> 4], kHex[c & 15]};
      }
      // Room is left for the "=" of a soft break, unless this is the line's last piece.
      const std::size_t limit = last ? 76 : 75;
      if (width + piece.size() > limit) {
        out += "=\r\n";
        width = 0;
        if (c == '.') {
          piece = "=2E";
        }
      }
      out += piece;
      width += piece.size();
    }
    out += "\r\n";
  }
  return out;
}

std::string base64_lines(std::string_view bytes) {
  const std::string encoded = base64(bytes);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    out += encoded.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

// An ASCII stand-in for a file name, for readers that ignore RFC 2231: accents folded
// ("Élève.pdf" -> "eleve.pdf"), anything else replaced by "_".
std::string ascii_file_name(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t n = utf8_char_length(name, i);
    const std::string_view ch = name.substr(i, n);
    i += n;
    if (n == 1) {
      const char c = ch[0];
      out += (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '/') ? c : '_';
      continue;
    }
    const std::string folded = fold_text(ch);
    out += (!folded.empty() && is_ascii_printable(folded) && folded.find(' ') == std::string::npos) ? folded : "_";
  }
  return out.empty() ? "attachment" : out;
}

// RFC 2231 value: utf-8'' then percent-encoding of everything but attribute-chars.
std::vector<std::string> rfc2231_chunks(std::string_view name) {
  std::vector<std::string> chunks(1);
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t n = utf8_char_length(name, i);
    std::string piece;
    for (std::size_t k = 0; k < n; ++k) {
      const auto c = static_cast<unsigned char>(name[i + k]);
      if (std::isalnum(c) != 0 ||
          std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
        piece += static_cast<char>(c);
      } else {
        piece += {'%', kHex[c >> 4], kHex[c & 15]};
      }
    }
    i += n;
    if (chunks.back().size() + piece.size() > 50) {
      chunks.emplace_back();
    }
    chunks.back() += piece;
  }
  return chunks;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
  });
}

std::string attachment_part(const Attachment& attachment) {
  std::string type = attachment.content_type.empty() ? "application/octet-stream" : attachment.content_type;
  const auto slash = type.find('/');
  if (slash == std::string::npos || !is_token(std::string_view(type).substr(0, slash)) ||
      !is_token(std::string_view(type).substr(slash + 1))) {
    throw std::invalid_argument("attachment content type \"" + one_line(type) + "\" is not type/subtype");
  }
  const std::string name = one_line(attachment.file_name);
  std::string fallback = ascii_file_name(name);
  // A quoted parameter cannot be folded: a long name keeps its full form in filename* only.
  const bool extended = !name.empty() && (fallback != name || fallback.size() > 60);
  if (fallback.size() > 60) {
    const auto dot = fallback.rfind('.');
    const std::string extension = dot != std::string::npos && fallback.size() - dot <= 10 ? fallback.substr(dot) : "";
    fallback = fallback.substr(0, 60 - extension.size()) + extension;
  }
  std::string out = "Content-Type: " + type + ";\r\n name=\"" + fallback + "\"\r\n";
  // The RFC 2231 form comes first: readers that know both take the first one (Python's email
  // package does), readers that only know the plain form skip what they do not understand.
  out += "Content-Disposition: attachment";
  if (extended) {
    const auto chunks = rfc2231_chunks(name);
    if (chunks.size() == 1) {
      out += ";\r\n filename*=utf-8''" + chunks[0];
    } else {
      for (std::size_t i = 0; i < chunks.size(); ++i) {
        out += ";\r\n filename*" + std::to_string(i) + "*=" + (i == 0 ? "utf-8''" : "") + chunks[i];
      }
    }
  }
  out += ";\r\n filename=\"" + fallback + "\"";
  out += "\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(attachment.content);
  return out;
}

std::string text_part(const char* subtype, const std::string& body) {
  return std::string("Content-Type: text/") + subtype +
         "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + quoted_printable(body);
}

// Parts joined by a fresh boundary. "=_" cannot occur in quoted-printable or base64 output, so
// the boundary cannot collide with content.
std::string multipart(const char* subtype, const std::vector<std::string>& parts) {
  const std::string boundary = "=_imuse_" + random_hex(12);
  std::string out = std::string("Content-Type: multipart/") + subtype + ";\r\n boundary=\"" + boundary + "\"\r\n\r\n";
  for (const auto& part : parts) {
    out += "--" + boundary + "\r\n" + part + "\r\n";
  }
  return out + "--" + boundary + "--\r\n";
}

std::string domain_of(const std::string& email) {
  const auto at = email.rfind('@');
  return at == std::string::npos ? "localhost" : email.substr(at + 1);
}

const std::vector<std::string>& reserved_headers() {
  static const std::vector<std::string> names = {"date",
                                                 "from",
                                                 "sender",
                                                 "reply-to",
                                                 "to",
                                                 "cc",
                                                 "bcc",
                                                 "subject",
                                                 "message-id",
                                                 "mime-version",
                                                 "content-type",
                                                 "content-transfer-encoding",
                                                 "content-disposition",
                                                 "return-path",
                                                 "received"};
  return names;
}

void validate_header_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
  });
  if (!ok) {
    throw std::invalid_argument("extra header name \"" + one_line(name) + "\" is not letters, digits and '-'");
  }
  std::string lower;
  for (char c : name) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const auto& reserved = reserved_headers();
  if (std::find(reserved.begin(), reserved.end(), lower) != reserved.end()) {
    throw std::invalid_argument("extra header " + name + " would replace a header the message sets itself");
  }
}

}  // namespace

bool is_valid_address(const std::string& email) {
  return address_problem(email).empty();
}

std::string make_message_id(const std::string& domain) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return "<" + random_hex(16) + "." + std::to_string(seconds) + "@" + (domain.empty() ? "localhost" : domain) + ">";
}

std::string render_message(const Message& message) {
  std::string out;
  out += "Date: " + format_date(message.date) + "\r\n";
  out += address_header("From", message.from, "From");
  if (!message.reply_to.email.empty()) {
    out += address_header("Reply-To", message.reply_to, "Reply-To");
  }
  out += address_header("To", message.to, "To");
  out += fold_header("Subject", unstructured_tokens("Subject", message.subject));
  std::string id = one_line(message.message_id);
  if (id.empty()) {
    id = make_message_id(domain_of(message.from.email));
  } else if (id.front() != '<' || id.back() != '>' || id.find('@') == std::string::npos ||
             id.find(' ') != std::string::npos) {
    throw std::invalid_argument("Message-ID \"" + id + "\" is not of the form <local@domain>");
  }
  out += "Message-ID: " + id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  for (const auto& [name, value] : message.extra_headers) {
    validate_header_name(name);
    out += fold_header(name, unstructured_tokens(name, value));
  }

  std::string body = text_part("plain", message.text);
  if (!message.html.empty()) {
    body = multipart("alternative", {body, text_part("html", message.html)});
  }
  if (!message.attachments.empty()) {
    std::vector<std::string> parts = {body};
    for (const auto& attachment : message.attachments) {
      parts.push_back(attachment_part(attachment));
    }
    body = multipart("mixed", parts);
  }
  return out + body;
}

}  // namespace imuse::mail
