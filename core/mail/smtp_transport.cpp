// SMTP delivery through libcurl. One session lives for the whole batch, so a flush of 500
// messages is one TLS handshake and one AUTH, not 500 (providers throttle or ban clients that
// reconnect per mail).
#include <curl/curl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "mail/message.hpp"
#include "mail/transport.hpp"

namespace imuse::mail {

namespace {

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl could not be initialised");
    }
  });
}

std::string one_line(std::string text) {
  for (auto& c : text) {
    if (c == '\r' || c == '\n' || c == '\t') {
      c = ' ';
    }
  }
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  return text;
}

std::string local_host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

// A server reply: its code and its lines joined, e.g. "550 5.1.1 <x@example.fr>: unknown user".
struct Reply {
  int code = 0;  // 0: no reply (connection lost, timeout)
  std::string text;
};

// Lines ending a multi-line reply ("250 OK", not "250-PIPELINING").
bool is_last_reply_line(std::string_view line) {
  return line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) != 0 &&
         std::isdigit(static_cast<unsigned char>(line[1])) != 0 &&
         std::isdigit(static_cast<unsigned char>(line[2])) != 0 && (line.size() == 3 || line[3] == ' ');
}

// The EHLO reply reaches the header callback during the connect phase: keep its lines.
std::size_t keep_reply(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* lines = static_cast<std::vector<std::string>*>(user);
  std::string line(buffer, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  if (line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) != 0) {
    lines->push_back(std::move(line));
  }
  return size * count;
}

// The message as DATA sends it: a '.' starting a line doubled (RFC 5321 4.5.2), CRLF at the
// end, then the terminating ".".
std::string data_payload(std::string_view rendered) {
  std::string out;
  out.reserve(rendered.size() + 64);
  std::size_t start = 0;
  while (start < rendered.size()) {
    auto end = rendered.find("\r\n", start);
    end = end == std::string_view::npos ? rendered.size() : end + 2;
    if (rendered[start] == '.') {
      out += '.';
    }
    out.append(rendered.substr(start, end - start));
    start = end;
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) {
    out += "\r\n";
  }
  out += ".\r\n";
  return out;
}

// libcurl opens the session: TCP or implicit TLS, greeting, EHLO, STARTTLS (required, never
// "try"), AUTH; its connect-only mode then hands the authenticated connection over, and the
// mail transactions are written here with curl_easy_send/curl_easy_recv (which go through the
// TLS layer). libcurl's own SMTP transfer costs four round trips and some thirty system calls
// per message; here, when the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go out
// in one write, so a message takes two round trips.
class SmtpTransport final : public Transport {
 public:
  explicit SmtpTransport(SmtpSettings settings) : settings_(std::move(settings)) {
    init_curl();
    if (settings_.helo_name.empty()) {
      settings_.helo_name = local_host_name();
    }
    // The URL path is what libcurl sends in EHLO.
    url_ = std::string(settings_.security == "tls" ? "smtps://" : "smtp://") + settings_.host + ":" +
           std::to_string(settings_.port) + "/" + settings_.helo_name;
  }
  ~SmtpTransport() override { close(); }
  SmtpTransport(const SmtpTransport&) = delete;
  SmtpTransport& operator=(const SmtpTransport&) = delete;

  DeliveryResult send(const Envelope& envelope, std::string_view rendered) override {
    if (!is_valid_address(envelope.from) || !is_valid_address(envelope.to)) {
      return {DeliveryStatus::permanent_failure,
              "invalid envelope address <" + one_line(envelope.from) + "> or <" + one_line(envelope.to) + ">"};
    }
    // A connection kept from the previous message may have been closed by the server (idle
    // timeout): when nothing at all was answered on it, open a new one and try once more.
    const bool reused = curl_ != nullptr;
    DeliveryResult result = transaction(envelope, rendered);
    if (reused && result.status == DeliveryStatus::temporary_failure && !answered_) {
      result = transaction(envelope, rendered);
    }
    return result;
  }

  void close() override {
    if (curl_ == nullptr) {
      return;
    }
    if (!broken_) {
      Reply ignored;
      if (write_all("QUIT\r\n")) {
        read_reply(ignored, 2);
      }
    }
    curl_easy_cleanup(curl_);
    curl_ = nullptr;
    buffer_.clear();
  }

  std::string describe() const override {
    return std::string(settings_.security == "tls" ? "smtps://" : "smtp://") + settings_.host + ":" +
           std::to_string(settings_.port) + " (" + settings_.security + ")";
  }

 private:
  DeliveryResult transaction(const Envelope& envelope, std::string_view rendered) {
    answered_ = false;
    if (curl_ == nullptr) {
      if (auto failure = open()) {
        return *failure;
      }
    }
    const std::string mail = "MAIL FROM:<" + envelope.from + ">\r\n";
    const std::string rcpt = "RCPT TO:<" + envelope.to + ">\r\n";
    const std::string data = "DATA\r\n";
    Reply mail_reply;
    Reply rcpt_reply;
    Reply data_reply;
    bool ok = true;
    if (pipelining_) {
      ok = write_all(mail + rcpt + data) && read_reply(mail_reply) && read_reply(rcpt_reply) && read_reply(data_reply);
    } else {
      ok = write_all(mail) && read_reply(mail_reply) &&
           (mail_reply.code / 100 != 2 || (write_all(rcpt) && read_reply(rcpt_reply))) &&
           (mail_reply.code / 100 != 2 || rcpt_reply.code / 100 != 2 || (write_all(data) && read_reply(data_reply)));
    }
    if (!ok) {
      return lost();
    }
    if (mail_reply.code / 100 != 2 || rcpt_reply.code / 100 != 2 || data_reply.code != 354) {
      const Reply& refusal = mail_reply.code / 100 != 2 ? mail_reply : rcpt_reply.code / 100 != 2 ? rcpt_reply
                                                                                                   : data_reply;
      // A server that accepted DATA anyway gets an empty message ended at once; then RSET
      // forgets the transaction so that the next message starts clean.
      Reply ignored;
      if ((data_reply.code == 354 && !(write_all(".\r\n") && read_reply(ignored))) ||
          !(write_all("RSET\r\n") && read_reply(ignored))) {
        close_broken();
      }
      return refused(refusal);
    }
    Reply final_reply;
    if (!write_all(data_payload(rendered)) || !read_reply(final_reply)) {
      return lost();
    }
    if (final_reply.code / 100 == 2) {
      return {DeliveryStatus::sent, final_reply.text};
    }
    return refused(final_reply);
  }

  // Opens and authenticates the session; the failure to report when it cannot.
  std::optional<DeliveryResult> open() {
    curl_ = curl_easy_init();
    if (curl_ == nullptr) {
      return DeliveryResult{DeliveryStatus::temporary_failure, "libcurl could not create a handle"};
    }
    broken_ = false;
    buffer_.clear();
    greeting_.clear();
    error_[0] = '\0';
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, keep_reply);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &greeting_);
    // STARTTLS is mandatory, never "try": a server (or an attacker) that drops STARTTLS must
    // not get passwords and mail in clear text.
    curl_easy_setopt(
        curl_, CURLOPT_USE_SSL,
        settings_.security == "none" ? static_cast<long>(CURLUSESSL_NONE) : static_cast<long>(CURLUSESSL_ALL));
    if (!settings_.ca_file.empty()) {
      curl_easy_setopt(curl_, CURLOPT_CAINFO, settings_.ca_file.c_str());
    }
    if (!settings_.username.empty()) {
      curl_easy_setopt(curl_, CURLOPT_USERNAME, settings_.username.c_str());
      curl_easy_setopt(curl_, CURLOPT_PASSWORD, settings_.password.c_str());
    }
    const long timeout = settings_.timeout_seconds;
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(curl_, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
    const CURLcode code = curl_easy_perform(curl_);
    if (code != CURLE_OK) {
      // A refused login or a server without STARTTLS is the configuration's fault, not the
      // message's; a lost connection or a TLS failure decided nothing: all are retried later.
      std::string reply = one_line(error_[0] != '\0' ? error_ : curl_easy_strerror(code));
      for (auto it = greeting_.rbegin(); it != greeting_.rend(); ++it) {
        if (!it->empty() && (it->front() == '4' || it->front() == '5')) {
          reply = one_line(*it) + " (" + reply + ")";
          break;
        }
      }
      curl_easy_cleanup(curl_);
      curl_ = nullptr;
      return DeliveryResult{DeliveryStatus::temporary_failure, reply};
    }
    curl_socket_t socket = CURL_SOCKET_BAD;
    curl_easy_getinfo(curl_, CURLINFO_ACTIVESOCKET, &socket);
    socket_ = socket;
    pipelining_ = std::any_of(greeting_.begin(), greeting_.end(), [](const std::string& line) {
      std::string upper = line.size() > 4 ? line.substr(4) : "";
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
      return upper == "PIPELINING" || upper.rfind("PIPELINING ", 0) == 0;
    });
    return std::nullopt;
  }

  // Waits until the socket is readable (or writable); false on timeout or error.
  bool wait_for(short events) {
    pollfd fd{static_cast<int>(socket_), events, 0};
    int n = 0;
    do {
      n = ::poll(&fd, 1, settings_.timeout_seconds * 1000);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      failure_ = n == 0 ? "no answer from the server for " + std::to_string(settings_.timeout_seconds) + " s"
                        : std::string("poll: ") + std::strerror(errno);
      return false;
    }
    return true;
  }

  bool write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      std::size_t sent = 0;
      const CURLcode code = curl_easy_send(curl_, bytes.data(), bytes.size(), &sent);
      if (code == CURLE_AGAIN) {
        if (!wait_for(POLLOUT)) {
          return false;
        }
        continue;
      }
      if (code != CURLE_OK) {
        failure_ = curl_easy_strerror(code);
        return false;
      }
      bytes.remove_prefix(sent);
    }
    return true;
  }

  // Reads one (possibly multi-line) reply; false when the connection broke or timed out.
  bool read_reply(Reply& reply, int timeout_seconds = 0) {
    const int saved_timeout = settings_.timeout_seconds;
    if (timeout_seconds > 0) {
      settings_.timeout_seconds = timeout_seconds;
    }
    std::string text;
    bool done = false;
    while (!done) {
      const auto end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        const std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        text += (text.empty() ? "" : " ") + (line.size() > 4 ? line.substr(4) : std::string());
        if (is_last_reply_line(line)) {
          reply.code = std::stoi(line.substr(0, 3));
          reply.text = one_line(line.substr(0, 3) + " " + text);
          answered_ = true;
          done = true;
        }
        continue;
      }
      char chunk[4096];
      std::size_t got = 0;
      const CURLcode code = curl_easy_recv(curl_, chunk, sizeof chunk, &got);
      if (code == CURLE_AGAIN) {
        if (!wait_for(POLLIN)) {
          break;
        }
        continue;
      }
      if (code != CURLE_OK || got == 0) {
        failure_ = code != CURLE_OK ? curl_easy_strerror(code) : "the server closed the connection";
        break;
      }
      buffer_.append(chunk, got);
    }
    settings_.timeout_seconds = saved_timeout;
    return done;
  }

  DeliveryResult lost() {
    std::string why = "connection lost: " + failure_;
    close_broken();
    return {DeliveryStatus::temporary_failure, why};
  }

  DeliveryResult refused(const Reply& reply) {
    if (reply.code == 421) {
      close_broken();  // the server is closing the session
    }
    // Only a 5xx answer to the message itself is final; 4xx means "try again later".
    return {reply.code / 100 == 5 ? DeliveryStatus::permanent_failure : DeliveryStatus::temporary_failure,
            reply.text};
  }

  void close_broken() {
    broken_ = true;
    close();
  }

  SmtpSettings settings_;
  std::string url_;
  CURL* curl_ = nullptr;
  curl_socket_t socket_ = CURL_SOCKET_BAD;
  bool pipelining_ = false;
  bool broken_ = false;
  bool answered_ = false;              // the server answered something in this transaction
  std::vector<std::string> greeting_;  // greeting and EHLO reply lines
  std::string buffer_;                 // received bytes not yet read as replies
  std::string failure_;                // why the last read or write failed
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace

std::unique_ptr<Transport> make_smtp_transport(const SmtpSettings& settings) {
  return std::make_unique<SmtpTransport>(settings);
}

}  // namespace imuse::mail
