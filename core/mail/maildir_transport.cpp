// Maildir delivery: the message is written whole in tmp/, synced, then renamed into new/, so a
// mail reader (or a test) never sees half a message, and a crash leaves only litter in tmp/.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "mail/message.hpp"
#include "mail/transport.hpp"

namespace imuse::mail {

namespace {

namespace fs = std::filesystem;

std::string host_name_for_file() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  std::string out;
  // '/' would make a path and ':' starts maildir flags.
  for (const char* p = name; *p != '\0'; ++p) {
    out += (*p == '/' || *p == ':') ? '_' : *p;
  }
  return out;
}

// time.random.host, unique across processes (the random part) and within one (the counter).
std::string unique_name() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      throw std::runtime_error("libsodium could not be initialised");
    }
  });
  static std::atomic<unsigned> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  char random[17];
  std::snprintf(random, sizeof random, "%08x%08x", randombytes_random(), randombytes_random());
  return std::to_string(micros / 1000000) + ".M" + std::to_string(micros % 1000000) + "P" + std::to_string(getpid()) +
         "Q" + std::to_string(++counter) + "R" + random + "." + host_name_for_file();
}

std::string errno_text(const std::string& what, const fs::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

class MaildirTransport final : public Transport {
 public:
  explicit MaildirTransport(std::string folder) : folder_(std::move(folder)) {}

  DeliveryResult send(const Envelope& envelope, std::string_view rendered) override {
    if (!is_valid_address(envelope.from) || !is_valid_address(envelope.to)) {
      return {DeliveryStatus::permanent_failure, "invalid envelope address"};
    }
    std::error_code ec;
    for (const char* sub : {"tmp", "new", "cur"}) {
      fs::create_directories(folder_ / sub, ec);
      if (ec) {
        return {DeliveryStatus::temporary_failure,
                "cannot create maildir folder " + (folder_ / sub).string() + ": " + ec.message()};
      }
    }
    const std::string name = unique_name();
    const fs::path tmp = folder_ / "tmp" / name;
    const fs::path target = folder_ / "new" / (name + ".eml");
    // What a local delivery agent adds, so the envelope is not lost in the file.
    const std::string trace = "Return-Path: <" + envelope.from + ">\r\nDelivered-To: " + envelope.to + "\r\n";
    // 0600: password messages sit in these files.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return {DeliveryStatus::temporary_failure, errno_text("cannot create", tmp)};
    }
    const bool ok = write_all(fd, trace) && write_all(fd, rendered) && ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok) {
      errno = saved;
      const auto text = errno_text("cannot write", tmp);
      ::unlink(tmp.c_str());
      return {DeliveryStatus::temporary_failure, text};
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      const auto text = errno_text("cannot move the message to", target);
      ::unlink(tmp.c_str());
      return {DeliveryStatus::temporary_failure, text};
    }
    sync_folder(folder_ / "new");
    return {DeliveryStatus::sent, "written to " + target.string()};
  }

  std::string describe() const override { return "maildir:" + folder_.string(); }

 private:
  static bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The rename is durable only once the folder itself is synced.
  static void sync_folder(const fs::path& folder) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }

  fs::path folder_;
};

}  // namespace

std::unique_ptr<Transport> make_maildir_transport(const std::string& folder) {
  return std::make_unique<MaildirTransport>(folder);
}

}  // namespace imuse::mail
