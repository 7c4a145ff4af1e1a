#pragma once
// Portal passwords: random generation (libsodium's CSPRNG) and argon2id hashes in the
// "$argon2id$v=19$m=...,t=...,p=1$salt$hash" form that PHP's password_verify reads.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace imuse {

// The argon2id cost of a hash.
struct HashLimits {
  unsigned long long opslimit = 2;   // passes (time cost)
  std::size_t memlimit_kib = 65536;  // memory, in KiB
};

// What `passwords.*` in the configuration says, checked.
struct PasswordPolicy {
  std::size_t length = 12;
  std::string alphabet;
  HashLimits limits;
  unsigned threads = 0;  // 0: one per core
};

// Entropy in bits of a password of `length` characters drawn uniformly from `alphabet`.
double password_entropy_bits(std::size_t length, std::string_view alphabet);

// ConfigError unless the alphabet is at least two distinct printable ASCII characters (no space)
// and length * log2(|alphabet|) >= 64 bits.
void check_password_settings(std::size_t length, std::string_view alphabet);

// The checked passwords.* settings of `config` (ConfigError naming the key otherwise).
PasswordPolicy password_policy(const Config& config);

// A password of `length` characters, each drawn uniformly from `alphabet` by randombytes_uniform
// (no modulo bias). Checks the settings first (ConfigError).
std::string generate_password(std::size_t length, std::string_view alphabet);

// The argon2id hash of `plain` with a fresh random salt (crypto_pwhash_str_alg, ARGON2ID13).
// std::runtime_error when the memory cannot be had, std::invalid_argument for limits out of range.
std::string hash_password(std::string_view plain, const HashLimits& limits);

// True when `plain` matches `hash`; false for a wrong password or a malformed hash.
bool verify_password(std::string_view plain, const std::string& hash);

// hash_password of every element, on `threads` threads (0: one per core); results in input order.
// `done`, when given, is called (serialised) after each hash, e.g. to advance a progress bar.
// Interrupted (SIGINT/SIGTERM) once the threads have stopped, after at most one hash each.
std::vector<std::string> hash_passwords(const std::vector<std::string>& plains, const HashLimits& limits,
                                        unsigned threads, const std::function<void()>& done = {});

// Overwrites the bytes of a secret (sodium_memzero), then empties it.
void wipe_secret(std::string& secret);

// Wipes every element, then empties the vector.
void wipe_secrets(std::vector<std::string>& secrets);

}  // namespace imuse
