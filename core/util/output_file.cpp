#include "util/output_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "util/error.hpp"

namespace imuse {

namespace {

namespace fs = std::filesystem;

void sync_path(const std::string& path, int flags, const std::string& what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    throw OutputError("cannot open " + what + " " + path + ": " + std::strerror(errno));
  }
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) {
    throw OutputError("cannot sync " + what + " " + path + " to disk: " + std::strerror(saved));
  }
}

std::string folder_of(const std::string& path) {
  const auto parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  std::error_code ec;
  std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
  if (!file) {
    throw OutputError("cannot write " + path);
  }
  try {
    write(file);
  } catch (...) {
    file.close();
    std::filesystem::remove(tmp, ec);
    throw;
  }
  file.close();
  if (!file || (std::filesystem::rename(tmp, path, ec), ec)) {
    std::filesystem::remove(tmp, ec);
    throw OutputError("cannot write " + path);
  }
}

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw OutputError("cannot read " + path);
  }
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  char block[65536];
  while (in.read(block, sizeof block) || in.gcount() > 0) {
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(block),
                              static_cast<unsigned long long>(in.gcount()));
  }
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, hash);
  static const char* const hex = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : hash) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

CommittedFile::CommittedFile(std::string path) : path_(std::move(path)), pending_(path_ + ".pending") {}

CommittedFile::~CommittedFile() {
  if (!published_ && !keep_) {
    std::error_code ec;
    fs::remove(pending_, ec);
  }
}

void CommittedFile::check_free() const {
  std::error_code ec;
  if (fs::exists(path_, ec)) {
    throw OutputError(path_ + " already exists; choose another --out or move the old file away");
  }
  if (fs::exists(pending_, ec)) {
    throw OutputError(pending_ + " exists: another run is writing it, or it was left by a killed run");
  }
}

std::string CommittedFile::seal() {
  sync_path(pending_, O_RDONLY, "file");
  return file_sha256(pending_);
}

void CommittedFile::publish() {
  std::error_code ec;
  fs::rename(pending_, path_, ec);
  if (ec) {
    throw OutputError("the database recorded the file, but renaming " + pending_ + " to " + path_ +
                      " failed: " + ec.message() + "; the next run of the command renames it");
  }
  published_ = true;
  sync_path(folder_of(path_), O_RDONLY | O_DIRECTORY, "folder");
}

void CommittedFile::discard() {
  std::error_code ec;
  fs::remove(pending_, ec);
}

CommittedFile::Recovery CommittedFile::recover(const std::string& path,
                                               const std::function<bool(const std::string&)>& committed) {
  const std::string pending = path + ".pending";
  std::error_code ec;
  if (!fs::exists(pending, ec)) {
    return Recovery::none;
  }
  if (committed(file_sha256(pending))) {
    if (fs::exists(path, ec)) {
      throw OutputError("both " + path + " and " + pending + " exist; move one away");
    }
    fs::rename(pending, path, ec);
    if (ec) {
      throw OutputError("cannot rename " + pending + " to " + path + ": " + ec.message());
    }
    sync_path(folder_of(path), O_RDONLY | O_DIRECTORY, "folder");
    return Recovery::published;
  }
  fs::remove(pending, ec);
  return Recovery::removed;
}

}  // namespace imuse
