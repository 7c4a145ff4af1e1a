#pragma once
// Errors that end a run, each carrying its documented exit code (sysexits style).
#include <stdexcept>
#include <string>

namespace imuse {

// The exit codes documented in imuse-admin(1); stable for scripts and cron.
enum class ExitCode : int {
  ok = 0,
  rejected = 1,       // finished, but some items were rejected
  usage = 64,         // command line misused
  data = 65,          // bad input data
  unavailable = 69,   // a service (database, SMTP) is unavailable
  software = 70,      // internal error (a bug)
  cant_create = 73,   // cannot write an output file
  temp_fail = 75,     // another run holds the lock; retry later
  config = 78,        // configuration error
  interrupted = 130,  // interrupted by a signal
};

// An error after which the run cannot go on; per-item problems go into a Report instead.
class Fatal : public std::runtime_error {
 public:
  Fatal(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

struct UsageError : Fatal {
  explicit UsageError(const std::string& m) : Fatal(ExitCode::usage, m) {}
};
struct DataError : Fatal {
  explicit DataError(const std::string& m) : Fatal(ExitCode::data, m) {}
};
struct ServiceUnavailable : Fatal {
  explicit ServiceUnavailable(const std::string& m) : Fatal(ExitCode::unavailable, m) {}
};
struct OutputError : Fatal {
  explicit OutputError(const std::string& m) : Fatal(ExitCode::cant_create, m) {}
};
struct LockBusy : Fatal {
  explicit LockBusy(const std::string& m) : Fatal(ExitCode::temp_fail, m) {}
};
struct ConfigError : Fatal {
  explicit ConfigError(const std::string& m) : Fatal(ExitCode::config, m) {}
};
struct Interrupted : Fatal {
  Interrupted() : Fatal(ExitCode::interrupted, "interrupted; nothing was committed") {}
};

}  // namespace imuse
