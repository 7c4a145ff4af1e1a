#include "util/output_file.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "util/error.hpp"

namespace imuse {

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

}  // namespace imuse
