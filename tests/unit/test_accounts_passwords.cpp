#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "accounts/passwords.hpp"
#include "util/error.hpp"

using namespace imuse;

namespace {

const std::string kAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const HashLimits kFast{1, 8192};  // small limits: the tests stay fast

// Runs PHP's password_verify(plain, hash) in a php-cli process (no shell: '$' stays as is).
// Returns php's exit status: 0 verified, 1 not verified, anything else: php failed.
int php_password_verify(const std::string& plain, const std::string& hash) {
  const pid_t pid = fork();
  if (pid == 0) {
    execlp("php", "php", "-r", "exit(password_verify($argv[1], $argv[2]) ? 0 : 1);", "--", plain.c_str(), hash.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("generate_password has the configured length and only alphabet characters", "[passwords]") {
  for (const std::size_t length : {12U, 16U, 40U}) {
    const std::string p = generate_password(length, kAlphabet);
    CHECK(p.size() == length);
    CHECK(p.find_first_not_of(kAlphabet) == std::string::npos);
  }
  const std::string hex = generate_password(16, "0123456789abcdef");
  CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("generate_password draws every character of the alphabet and never repeats a password", "[passwords]") {
  std::map<char, int> seen;
  std::set<std::string> passwords;
  for (int i = 0; i < 2000; ++i) {
    const std::string p = generate_password(12, kAlphabet);
    passwords.insert(p);
    for (const char c : p) {
      ++seen[c];
    }
  }
  CHECK(passwords.size() == 2000);
  REQUIRE(seen.size() == kAlphabet.size());
  // 24,000 draws over 55 characters: about 436 each. Pearson's chi-square (54 degrees of freedom,
  // mean 54, sd 10.4) stays far below 120 for a uniform draw (p < 1e-6), while the modulo bias of
  // `byte % 55` (the first 36 characters 5/256, the others 4/256) gives about 250.
  const double expected = 24000.0 / static_cast<double>(kAlphabet.size());
  double chi_square = 0;
  for (const auto& [c, n] : seen) {
    chi_square += (n - expected) * (n - expected) / expected;
  }
  INFO("chi-square " << chi_square);
  CHECK(chi_square < 120);
}

TEST_CASE("password settings below 64 bits of entropy or with a bad alphabet are refused", "[passwords]") {
  CHECK(password_entropy_bits(12, kAlphabet) == Approx(69.37).epsilon(0.01));
  CHECK_NOTHROW(check_password_settings(12, kAlphabet));
  CHECK_THROWS_AS(check_password_settings(11, kAlphabet), ConfigError);  // 63.6 bits
  CHECK_THROWS_AS(generate_password(8, kAlphabet), ConfigError);
  CHECK_NOTHROW(check_password_settings(20, "0123456789"));                 // 66.4 bits
  CHECK_THROWS_AS(check_password_settings(19, "0123456789"), ConfigError);  // 63.1 bits
  CHECK_THROWS_AS(check_password_settings(64, "a"), ConfigError);
  CHECK_THROWS_AS(check_password_settings(64, ""), ConfigError);
  CHECK_THROWS_WITH(check_password_settings(40, "abca"), Catch::Contains("'a' twice"));
  CHECK_THROWS_WITH(check_password_settings(40, "ab cd"), Catch::Contains("printable ASCII"));
  CHECK_THROWS_WITH(check_password_settings(40, "abcé"), Catch::Contains("printable ASCII"));
  CHECK_THROWS_WITH(check_password_settings(11, kAlphabet), Catch::Contains("64"));
}

TEST_CASE("hash_password writes an argon2id hash with the configured limits", "[passwords]") {
  const std::string hash = hash_password("Secret123", kFast);
  CHECK(std::regex_match(hash, std::regex(R"(\$argon2id\$v=19\$m=8192,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+)")));
  CHECK(hash_password("Secret123", {2, 16384}).rfind("$argon2id$v=19$m=16384,t=2,p=1$", 0) == 0);
  // A fresh salt every time.
  CHECK(hash_password("Secret123", kFast) != hash);
}

TEST_CASE("verify_password accepts the password and refuses anything else", "[passwords]") {
  const std::string hash = hash_password("Secret123", kFast);
  CHECK(verify_password("Secret123", hash));
  CHECK_FALSE(verify_password("secret123", hash));
  CHECK_FALSE(verify_password("Secret12", hash));
  CHECK_FALSE(verify_password("", hash));
  CHECK_FALSE(verify_password("Secret123", "not a hash"));
  CHECK_FALSE(verify_password("Secret123", ""));
}

TEST_CASE("hash_password refuses limits out of range", "[passwords]") {
  CHECK_THROWS_AS(hash_password("x", {0, 8192}), std::invalid_argument);
  CHECK_THROWS_AS(hash_password("x", {1, 4}), std::invalid_argument);
}

TEST_CASE("hash_passwords keeps the input order on several threads", "[passwords]") {
  std::vector<std::string> plains;
  for (int i = 0; i < 9; ++i) {
    plains.push_back(generate_password(12, kAlphabet));
  }
  for (const unsigned threads : {0U, 1U, 3U, 16U}) {
    int calls = 0;
    const auto hashes = hash_passwords(plains, kFast, threads, [&] { ++calls; });
    REQUIRE(hashes.size() == plains.size());
    CHECK(calls == 9);
    for (std::size_t i = 0; i < plains.size(); ++i) {
      INFO("threads " << threads << ", password " << i);
      CHECK(verify_password(plains[i], hashes[i]));
      CHECK_FALSE(verify_password(plains[(i + 1) % plains.size()], hashes[i]));
    }
  }
  CHECK(hash_passwords({}, kFast, 0).empty());
}

TEST_CASE("hash_passwords passes an error of a worker on", "[passwords]") {
  CHECK_THROWS_AS(hash_passwords({"a", "b", "c"}, {0, 8192}, 2), std::invalid_argument);
}

TEST_CASE("PHP password_verify accepts the hashes (the portal is PHP)", "[passwords][php]") {
  const std::string plain = generate_password(12, kAlphabet);
  const std::string hash = hash_password(plain, kFast);
  REQUIRE(php_password_verify(plain, hash) == 0);
  CHECK(php_password_verify(plain + "x", hash) == 1);
  // The default cost of the configuration too (64 MiB, 2 passes).
  const std::string strong = hash_password("Mot de passe é", {2, 65536});
  CHECK(php_password_verify("Mot de passe é", strong) == 0);
  CHECK(php_password_verify("Mot de passe e", strong) == 1);
}

TEST_CASE("wipe_secret zeroes and empties", "[passwords]") {
  std::string secret = "a rather long secret that is not in the small buffer";
  wipe_secret(secret);
  CHECK(secret.empty());
  std::vector<std::string> secrets{"one", "two"};
  wipe_secrets(secrets);
  CHECK(secrets.empty());
}
