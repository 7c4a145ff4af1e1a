// SMTP and maildir transports against scripts/smtp-listener.py on loopback: connection reuse,
// STARTTLS that cannot be skipped, reply codes mapped to retry or give up, reconnection.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "config/config.hpp"
#include "mail/message.hpp"
#include "mail/transport.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

extern char** environ;

using namespace imuse;
using namespace imuse::mail;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// scripts/smtp-listener.py as a child process; stopped (and reaped) by the destructor.
class Listener {
 public:
  Listener(const fs::path& out, std::vector<std::string> options, int port = 0)
      : out_(out), options_(std::move(options)) {
    start(port);
  }
  ~Listener() { stop(SIGTERM); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  void start(int port) {
    const fs::path repo = fs::path(IMUSE_FIXTURES).parent_path().parent_path();
    const fs::path port_file = out_ / "port";
    fs::create_directories(out_);
    fs::remove(port_file);
    std::vector<std::string> args = {"/usr/bin/python3",
                                     (repo / "scripts" / "smtp-listener.py").string(),
                                     "--host",
                                     "127.0.0.1",
                                     "--port",
                                     std::to_string(port),
                                     "--port-file",
                                     port_file.string(),
                                     "--out",
                                     out_.string()};
    args.insert(args.end(), options_.begin(), options_.end());
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    // The listener writes the port file once it accepts connections (a TLS one first makes
    // its certificate).
    for (int i = 0; i < 200 && !fs::exists(port_file); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!fs::exists(port_file)) {
      stop(SIGKILL);  // the destructor does not run when the constructor fails
      FAIL("smtp-listener.py did not start");
    }
    port_ = std::stoi(read_text(port_file));
  }

  // Ends the listener: SIGTERM is a clean stop, SIGKILL a crash.
  void stop(int sig) {
    if (pid_ <= 0) {
      return;
    }
    kill(pid_, sig);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (i == 99) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    pid_ = 0;
  }

  int port() const { return port_; }
  // How many lines of events.log start with `prefix`.
  int events(const std::string& prefix) const {
    std::istringstream log(read_text(out_ / "events.log"));
    int n = 0;
    for (std::string line; std::getline(log, line);) {
      n += line.rfind(prefix, 0) == 0 ? 1 : 0;
    }
    return n;
  }
  std::size_t messages() const {
    const auto dir = out_ / "new";
    return fs::exists(dir)
               ? static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()))
               : 0;
  }

 private:
  fs::path out_;
  std::vector<std::string> options_;
  pid_t pid_ = 0;
  int port_ = 0;
};

std::string rendered(const std::string& to, const std::string& subject) {
  Message m;
  m.from = {"secretariat@emd.example.fr", "École de musique"};
  m.to = {to, ""};
  m.subject = subject;
  m.text = "Bonjour,\n.\nUne ligne avec un point seul, pour vérifier la transparence SMTP.\n";
  return render_message(m);
}

SmtpSettings settings_for(const Listener& listener, const fs::path& out, const std::string& security) {
  SmtpSettings s;
  s.host = "127.0.0.1";
  s.port = listener.port();
  s.security = security;
  s.timeout_seconds = 10;
  if (security != "none") {
    s.ca_file = (out / "ca.pem").string();
  }
  return s;
}

DeliveryResult send_to(Transport& transport, const std::string& to, const std::string& subject = "Essai") {
  return transport.send({"secretariat@emd.example.fr", to}, rendered(to, subject));
}

}  // namespace

TEST_CASE("smtp transport: three messages over one STARTTLS connection with AUTH", "[mail][smtp]") {
  TempDir dir;
  const auto out = dir.path() / "sink";
  Listener listener(out, {"--tls", "--require-starttls", "--auth", "secretariat:s3cret"});
  auto settings = settings_for(listener, out, "starttls");
  settings.username = "secretariat";
  settings.password = "s3cret";
  auto transport = make_smtp_transport(settings);
  CHECK(transport->describe() == "smtp://127.0.0.1:" + std::to_string(listener.port()) + " (starttls)");
  for (int i = 1; i <= 3; ++i) {
    const auto result =
        send_to(*transport, "famille" + std::to_string(i) + "@example.com", "Message " + std::to_string(i));
    INFO(result.reply);
    CHECK(result.status == DeliveryStatus::sent);
    CHECK(result.reply.rfind("250", 0) == 0);
  }
  transport->close();
  CHECK(listener.messages() == 3);
  CHECK(listener.events("connect") == 1);
  CHECK(listener.events("starttls") == 1);
  CHECK(listener.events("auth secretariat") == 1);
  CHECK(listener.events("accepted") == 3);
  const auto first = read_text(out / "new" / "1.eml");
  CHECK(first.find("Subject: Message 1\r\n") != std::string::npos);
  CHECK(first.find("\r\n=2E\r\n") != std::string::npos);  // the lone dot survived dot-stuffing
}

TEST_CASE("smtp transport: a 451 reply is temporary, a 550 reply permanent", "[mail][smtp]") {
  TempDir dir;
  const auto out = dir.path() / "sink";
  Listener listener(out, {"--tls", "--reply", "^later@=451", "--reply", "^nobody@=550"});
  auto transport = make_smtp_transport(settings_for(listener, out, "starttls"));

  const auto later = send_to(*transport, "later@example.com");
  INFO(later.reply);
  CHECK(later.status == DeliveryStatus::temporary_failure);
  CHECK(later.reply.find("451 4.2.0 <later@example.com>: refused by the test listener") != std::string::npos);

  const auto nobody = send_to(*transport, "nobody@example.com");
  INFO(nobody.reply);
  CHECK(nobody.status == DeliveryStatus::permanent_failure);
  CHECK(nobody.reply.find("550 5.1.1 <nobody@example.com>: refused by the test listener") != std::string::npos);
  CHECK(nobody.reply.find('\n') == std::string::npos);

  const auto ok = send_to(*transport, "famille@example.com");
  CHECK(ok.status == DeliveryStatus::sent);
  CHECK(listener.messages() == 1);
  CHECK(listener.events("rejected 451 later@example.com") == 1);
  CHECK(listener.events("rejected 550 nobody@example.com") == 1);
}

TEST_CASE("smtp transport: a listener killed mid-batch is a temporary failure, a restarted one gets the next message",
          "[mail][smtp]") {
  TempDir dir;
  const auto out = dir.path() / "sink";
  Listener listener(out, {"--tls"});
  const int port = listener.port();
  auto transport = make_smtp_transport(settings_for(listener, out, "starttls"));
  CHECK(send_to(*transport, "un@example.com").status == DeliveryStatus::sent);

  listener.stop(SIGKILL);
  const auto lost = send_to(*transport, "deux@example.com");
  CHECK(lost.status == DeliveryStatus::temporary_failure);
  CHECK_FALSE(lost.reply.empty());

  listener.start(port);
  const auto again = send_to(*transport, "deux@example.com");
  INFO(again.reply);
  CHECK(again.status == DeliveryStatus::sent);
  CHECK(listener.messages() == 2);
  CHECK(listener.events("connect") == 2);
}

TEST_CASE("smtp transport: STARTTLS is never skipped and the certificate is checked", "[mail][smtp]") {
  TempDir dir;
  const auto out = dir.path() / "sink";
  SECTION("a server without STARTTLS gets nothing") {
    Listener listener(out, {});
    auto settings = settings_for(listener, out, "starttls");
    settings.username = "secretariat";
    settings.password = "s3cret";
    const auto result =
        make_smtp_transport(settings)->send({"a@example.fr", "b@example.com"}, rendered("b@example.com", "x"));
    CHECK(result.status == DeliveryStatus::temporary_failure);
    CHECK(listener.messages() == 0);
    CHECK(listener.events("auth") == 0);
  }
  SECTION("a certificate the CA file does not vouch for is refused") {
    Listener listener(out, {"--tls"});
    auto settings = settings_for(listener, out, "starttls");
    settings.ca_file = "";  // the system's store does not know the listener's self-signed certificate
    const auto result =
        make_smtp_transport(settings)->send({"a@example.fr", "b@example.com"}, rendered("b@example.com", "x"));
    CHECK(result.status == DeliveryStatus::temporary_failure);
    CHECK(listener.messages() == 0);
  }
  SECTION("implicit TLS works with security: tls") {
    Listener listener(out, {"--implicit-tls"});
    auto transport = make_smtp_transport(settings_for(listener, out, "tls"));
    CHECK(send_to(*transport, "b@example.com").status == DeliveryStatus::sent);
    CHECK(send_to(*transport, "c@example.com").status == DeliveryStatus::sent);
    CHECK(listener.messages() == 2);
    CHECK(listener.events("connect") == 1);
  }
}

TEST_CASE("make_transport: SMTP settings and the password file come from the configuration", "[mail][smtp]") {
  TempDir dir;
  const auto out = dir.path() / "sink";
  Listener listener(out, {"--tls", "--require-starttls", "--auth", "secretariat:s3cret"});
  dir.write("smtp-password", "s3cret\n");
  ConfigInputs in;
  in.getenv = [](const std::string&) { return std::optional<std::string>(); };
  in.search_path = {"/nonexistent/imuse-admin.yaml"};
  in.config_file = dir.write("imuse-admin.yaml", "mail:\n  transport: smtp\n  smtp:\n    host: 127.0.0.1\n    port: " +
                                                     std::to_string(listener.port()) +
                                                     "\n    username: secretariat\n    password_file: smtp-password\n"
                                                     "    ca_file: sink/ca.pem\n    timeout: 10\n");
  auto transport = make_transport(load_config(in));
  const auto result = send_to(*transport, "famille@example.com");
  INFO(result.reply);
  CHECK(result.status == DeliveryStatus::sent);
  CHECK(listener.events("auth secretariat") == 1);
}

TEST_CASE("make_transport: incomplete SMTP configuration is a configuration error", "[mail]") {
  TempDir dir;
  const auto load = [&](const std::string& yaml) {
    ConfigInputs in;
    in.getenv = [](const std::string&) { return std::optional<std::string>(); };
    in.search_path = {"/nonexistent/imuse-admin.yaml"};
    in.config_file = dir.write("imuse-admin.yaml", yaml);
    return load_config(in);
  };
  CHECK_THROWS_AS(make_transport(load("mail:\n  transport: smtp\n")), ConfigError);
  CHECK_THROWS_AS(make_transport(load("mail:\n  transport: smtp\n  smtp:\n    host: h\n    username: u\n")),
                  ConfigError);
  CHECK_THROWS_AS(make_transport(load(
                      "mail:\n  transport: smtp\n  smtp:\n    host: h\n    username: u\n    password_file: nofile\n")),
                  ConfigError);
  CHECK_THROWS_AS(make_transport(load("mail:\n  transport: smtp\n  smtp:\n    host: h\n    username: u\n"
                                      "    password_env: IMUSE_TEST_UNSET_VARIABLE_XYZ\n")),
                  ConfigError);
  CHECK(make_transport(load("mail:\n  transport: maildir\n  maildir: box\n"))->describe() ==
        "maildir:" + (dir.path() / "box").string());
}

TEST_CASE("maildir transport: the message lands whole in new/", "[mail]") {
  TempDir dir;
  const auto box = dir.path() / "mail";
  auto transport = make_maildir_transport(box.string());
  const std::string message = rendered("famille@example.com", "Boîte locale");
  const auto result = transport->send({"secretariat@emd.example.fr", "famille@example.com"}, message);
  CHECK(result.status == DeliveryStatus::sent);
  CHECK(fs::is_directory(box / "cur"));
  CHECK(fs::is_empty(box / "tmp"));
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(box / "new")) {
    files.push_back(entry.path());
  }
  REQUIRE(files.size() == 1);
  CHECK(files[0].extension() == ".eml");
  const auto content = read_text(files[0]);
  CHECK(content.rfind("Return-Path: <secretariat@emd.example.fr>\r\n", 0) == 0);
  CHECK(content.size() > message.size());
  CHECK(content.substr(content.size() - message.size()) == message);
  struct stat st {};
  REQUIRE(stat(files[0].c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  CHECK(transport->send({"secretariat@emd.example.fr", "autre@example.com"}, message).status == DeliveryStatus::sent);
  CHECK(std::distance(fs::directory_iterator(box / "new"), fs::directory_iterator()) == 2);

  // A folder that cannot be created: a file stands where the maildir should be.
  dir.write("blocked", "x");
  const auto blocked = make_maildir_transport((dir.path() / "blocked").string())
                           ->send({"secretariat@emd.example.fr", "famille@example.com"}, message);
  CHECK(blocked.status == DeliveryStatus::temporary_failure);
  CHECK_FALSE(blocked.reply.empty());
}

TEST_CASE("smtp transport: with or without PIPELINING, refusals leave the session usable and dots survive",
          "[mail][smtp]") {
  for (const bool pipelining : {true, false}) {
    INFO("pipelining " << pipelining);
    TempDir dir;
    const auto out = dir.path() / "sink";
    std::vector<std::string> options{"--reply", "^later@=451", "--reply", "^nobody@=550"};
    if (!pipelining) {
      options.emplace_back("--no-pipelining");
    }
    Listener listener(out, options);
    auto transport = make_smtp_transport(settings_for(listener, out, "none"));
    // Lines that start with a dot must be doubled on the wire and arrive as written.
    const std::string raw = "From: <secretariat@emd.example.fr>\r\nSubject: points\r\n\r\n.cache\r\n..deux\r\n.\r\nfin";
    for (const char* to : {"later@example.com", "nobody@example.com", "a@example.com", "b@example.com"}) {
      transport->send({"secretariat@emd.example.fr", to}, raw);
    }
    const auto last = transport->send({"secretariat@emd.example.fr", "c@example.com"}, raw);
    CHECK(last.status == DeliveryStatus::sent);
    transport->close();
    CHECK(listener.events("connect") == 1);
    CHECK(listener.events("rejected 451 later@example.com") == 1);
    CHECK(listener.events("rejected 550 nobody@example.com") == 1);
    REQUIRE(listener.messages() == 3);
    CHECK(read_text(out / "new" / "1.eml").find("\r\n\r\n.cache\r\n..deux\r\n.\r\nfin") != std::string::npos);
  }
}
