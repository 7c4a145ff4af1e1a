#include "accounts/passwords.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "util/error.hpp"
#include "util/interrupt.hpp"

namespace imuse {

namespace {

constexpr double kMinimumEntropyBits = 64.0;

void ensure_sodium() {
  static const int status = sodium_init();  // thread-safe once; 1 = already initialised
  if (status < 0) {
    throw std::runtime_error("libsodium could not be initialised");
  }
}

std::string alphabet_problem(std::string_view alphabet) {
  std::set<char> seen;
  for (const char c : alphabet) {
    if (c <= ' ' || c > '~') {
      return "passwords.alphabet must hold printable ASCII characters only, without spaces";
    }
    if (!seen.insert(c).second) {
      return std::string("passwords.alphabet lists '") + c + "' twice: each character must appear once";
    }
  }
  if (seen.size() < 2) {
    return "passwords.alphabet needs at least two characters";
  }
  return "";
}

}  // namespace

double password_entropy_bits(std::size_t length, std::string_view alphabet) {
  if (alphabet.empty()) {
    return 0.0;
  }
  return static_cast<double>(length) * std::log2(static_cast<double>(alphabet.size()));
}

void check_password_settings(std::size_t length, std::string_view alphabet) {
  if (auto problem = alphabet_problem(alphabet); !problem.empty()) {
    throw ConfigError(problem);
  }
  const double bits = password_entropy_bits(length, alphabet);
  if (bits < kMinimumEntropyBits) {
    throw ConfigError("passwords.length " + std::to_string(length) + " with an alphabet of " +
                      std::to_string(alphabet.size()) + " characters gives " + std::to_string(static_cast<int>(bits)) +
                      " bits of entropy; at least 64 are required (make the password longer or the alphabet larger)");
  }
}

PasswordPolicy password_policy(const Config& config) {
  PasswordPolicy policy;
  policy.length = static_cast<std::size_t>(config.get_int("passwords.length"));
  policy.alphabet = config.get("passwords.alphabet");
  policy.limits.opslimit = static_cast<unsigned long long>(config.get_int("passwords.argon2_opslimit"));
  policy.limits.memlimit_kib = static_cast<std::size_t>(config.get_int("passwords.argon2_memlimit"));
  policy.threads = static_cast<unsigned>(config.get_int("passwords.threads"));
  check_password_settings(policy.length, policy.alphabet);
  if (policy.limits.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN) {
    throw ConfigError("passwords.argon2_opslimit must be at least " +
                      std::to_string(crypto_pwhash_argon2id_OPSLIMIT_MIN));
  }
  if (policy.limits.memlimit_kib * 1024 < crypto_pwhash_argon2id_MEMLIMIT_MIN) {
    throw ConfigError("passwords.argon2_memlimit must be at least " +
                      std::to_string(crypto_pwhash_argon2id_MEMLIMIT_MIN / 1024) + " (KiB)");
  }
  return policy;
}

std::string generate_password(std::size_t length, std::string_view alphabet) {
  check_password_settings(length, alphabet);
  ensure_sodium();
  std::string password(length, '\0');
  const auto size = static_cast<std::uint32_t>(alphabet.size());
  for (auto& c : password) {
    c = alphabet[randombytes_uniform(size)];  // rejection sampling inside: uniform
  }
  return password;
}

std::string hash_password(std::string_view plain, const HashLimits& limits) {
  ensure_sodium();
  const std::size_t memlimit = limits.memlimit_kib * 1024;
  if (limits.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    throw std::invalid_argument("argon2id limits out of range");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, plain.data(), plain.size(), limits.opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) !=
      0) {
    throw std::runtime_error("argon2id hashing failed: not enough memory for " + std::to_string(limits.memlimit_kib) +
                             " KiB (passwords.argon2_memlimit)");
  }
  return std::string(out);
}

bool verify_password(std::string_view plain, const std::string& hash) {
  ensure_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), plain.data(), plain.size()) == 0;
}

std::vector<std::string> hash_passwords(const std::vector<std::string>& plains, const HashLimits& limits,
                                        unsigned threads, const std::function<void()>& done) {
  ensure_sodium();
  std::vector<std::string> hashes(plains.size());
  if (plains.empty()) {
    return hashes;
  }
  unsigned workers = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
  workers = static_cast<unsigned>(std::min<std::size_t>(workers, plains.size()));

  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;  // guards `error` and calls of `done`
  std::exception_ptr error;
  auto work = [&] {
    for (std::size_t i = next++; i < plains.size() && !failed && !interrupt_requested(); i = next++) {
      try {
        hashes[i] = hash_password(plains[i], limits);
        if (done) {
          std::lock_guard lock(mutex);
          done();
        }
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) {
          error = std::current_exception();
        }
        failed = true;
      }
    }
  };
  if (workers == 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(workers);
    for (unsigned t = 0; t < workers; ++t) {
      pool.emplace_back(work);
    }
    for (auto& thread : pool) {
      thread.join();
    }
  }
  if (error) {
    std::rethrow_exception(error);
  }
  check_interrupted();  // Ctrl-C stops a long bulk run within one hash per thread
  return hashes;
}

void wipe_secret(std::string& secret) {
  secret.resize(secret.capacity());  // also the bytes past the end a shorter value left behind
  sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

void wipe_secrets(std::vector<std::string>& secrets) {
  for (auto& s : secrets) {
    wipe_secret(s);
  }
  secrets.clear();
}

}  // namespace imuse
