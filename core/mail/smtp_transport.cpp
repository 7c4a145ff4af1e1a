// SMTP delivery through libcurl. One easy handle lives for the whole batch: libcurl keeps the
// connection in the handle's cache and reuses it, so a flush of 500 messages is one TLS
// handshake and one AUTH, not 500 (providers throttle or ban clients that reconnect per mail).
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
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

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::copy_n(upload->data.data() + upload->offset, n, buffer);
  upload->offset += n;
  return n;
}

// Server replies reach the header callback line by line. The one that matters is the reply to
// the command that ended the transfer, which is not always the last: after a refusal libcurl
// still sends QUIT and receives "221 Bye".
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
    if (curl_ == nullptr && !open()) {
      return {DeliveryStatus::temporary_failure, "libcurl could not create a handle"};
    }
    const std::string from = "<" + envelope.from + ">";
    curl_slist* recipients = curl_slist_append(nullptr, ("<" + envelope.to + ">").c_str());
    Upload upload{rendered};
    replies_.clear();
    error_[0] = '\0';
    curl_easy_setopt(curl_, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl_, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(rendered.size()));
    const CURLcode code = curl_easy_perform(curl_);
    curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, nullptr);
    curl_slist_free_all(recipients);
    long response = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response);
    return outcome(code, response);
  }

  void close() override {
    if (curl_ != nullptr) {
      curl_easy_cleanup(curl_);  // sends QUIT on an open connection
      curl_ = nullptr;
    }
  }

  std::string describe() const override {
    return std::string(settings_.security == "tls" ? "smtps://" : "smtp://") + settings_.host + ":" +
           std::to_string(settings_.port) + " (" + settings_.security + ")";
  }

 private:
  bool open() {
    curl_ = curl_easy_init();
    if (curl_ == nullptr) {
      return false;
    }
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl_, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, keep_reply);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &replies_);
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
    // A stalled upload (less than 1 byte/s for `timeout` seconds) fails too.
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, timeout);
    return true;
  }

  DeliveryResult outcome(CURLcode code, long response) {
    std::string reply;
    const std::string prefix = std::to_string(response);
    for (auto it = replies_.rbegin(); response > 0 && it != replies_.rend(); ++it) {
      if (it->rfind(prefix, 0) == 0) {
        reply = one_line(*it);
        break;
      }
    }
    if (code != CURLE_OK) {
      const std::string error = one_line(error_[0] != '\0' ? error_ : curl_easy_strerror(code));
      reply = reply.empty() ? error : reply + " (" + error + ")";
    }
    if (code == CURLE_OK && response / 100 == 2) {
      return {DeliveryStatus::sent, reply};
    }
    // Only a 5xx answer to the message itself is final. A refused login or a server that
    // cannot do STARTTLS is the configuration's fault, not the message's; a lost connection,
    // a timeout or a TLS failure decided nothing. All of those are retried later.
    // libcurl closes the connection after any failed transfer, so the next send reconnects.
    if (response / 100 == 5 && code != CURLE_LOGIN_DENIED && code != CURLE_USE_SSL_FAILED) {
      return {DeliveryStatus::permanent_failure, reply};
    }
    return {DeliveryStatus::temporary_failure, reply};
  }

  SmtpSettings settings_;
  std::string url_;
  CURL* curl_ = nullptr;
  std::vector<std::string> replies_;  // this transfer's server reply lines
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace

std::unique_ptr<Transport> make_smtp_transport(const SmtpSettings& settings) {
  return std::make_unique<SmtpTransport>(settings);
}

}  // namespace imuse::mail
