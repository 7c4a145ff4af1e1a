#pragma once
// Output files written whole or not at all.
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace imuse {

// Calls `write` on "<path>.tmp-<pid>", then renames it over `path`: a failed or interrupted
// export never leaves half a file. OutputError when the file cannot be written; an exception
// from `write` removes the temporary file and goes on.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// The SHA-256 of a file's bytes, in lower-case hex, read in blocks. OutputError when unreadable.
std::string file_sha256(const std::string& path);

// A file that must exist if and only if a database transaction commits (a PES V2 bordereau, a
// SEPA file: the database says they were handed over). It is written to "<path>.pending",
// synced to disk, its digest recorded in the transaction, and renamed to `path` only after the
// COMMIT. A run killed before the COMMIT leaves a pending file and no rows; one killed between
// the COMMIT and the rename leaves a pending file and rows naming its digest: `recover`, called
// by the next run before anything else, removes the first and publishes the second, so the
// outcome is always both or neither.
class CommittedFile {
 public:
  explicit CommittedFile(std::string path);
  ~CommittedFile();  // removes the pending file unless published or kept
  CommittedFile(const CommittedFile&) = delete;
  CommittedFile& operator=(const CommittedFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& pending_path() const { return pending_; }
  // Refuses (OutputError) when `path` or its pending file already exists: nothing is overwritten.
  void check_free() const;
  // After writing the pending file: fsync it and return its SHA-256 (to store in the transaction).
  std::string seal();
  // Just before the COMMIT: from here on the pending file outlives this object, whatever
  // happens (a COMMIT whose outcome is unknown, a failed rename): only the next run's `recover`
  // can tell whether it must be published or removed.
  void keep_pending() { keep_ = true; }
  // After the COMMIT: rename the pending file to `path` and sync the folder.
  void publish();
  // Removes the pending file (roll back, dry run).
  void discard();

  enum class Recovery { none, published, removed };
  // A pending file left at "<path>.pending" by a killed run: published when `committed(sha256)`
  // says a committed row names its digest, removed otherwise.
  static Recovery recover(const std::string& path, const std::function<bool(const std::string& sha256)>& committed);

 private:
  std::string path_;
  std::string pending_;
  bool published_ = false;
  bool keep_ = false;
};

}  // namespace imuse
