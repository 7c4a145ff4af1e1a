// render_message: what we render must be what a strict parser (Python's email package with
// policy.strict, which raises on any defect) reads back.
#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>

#include "mail/message.hpp"
#include "temp_dir.hpp"

using namespace imuse::mail;

namespace {

// Parses `raw` with email.policy.strict and describes it as JSON: headers (decoded), addresses,
// and every part with its type, decoded text or hex bytes, and file name.
const char* kParser = R"PY(
import sys, json
from email import policy
from email.parser import BytesParser
msg = BytesParser(policy=policy.strict).parsebytes(open(sys.argv[1], 'rb').read())
out = {'headers': [[k, str(v)] for k, v in msg.items()], 'parts': []}
for name in ('from', 'to', 'reply-to'):
    if msg[name] is not None:
        a = msg[name].addresses[0]
        out[name] = {'name': a.display_name, 'email': a.addr_spec}
for part in msg.walk():
    item = {'type': part.get_content_type()}
    if not part.is_multipart():
        if part.get_content_maintype() == 'text':
            item['text'] = part.get_content().replace('\r\n', '\n')
        else:
            item['hex'] = part.get_content().hex()
        item['filename'] = part.get_filename()
    out['parts'].append(item)
print(json.dumps(out))
)PY";

nlohmann::json parse_with_python(const std::string& raw) {
  TempDir dir;
  const auto message = dir.write("message.eml", raw);
  const auto script = dir.write("parse.py", kParser);
  const std::string command = "/usr/bin/python3 " + script + " " + message;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (const auto n = fread(buffer, 1, sizeof buffer, pipe)) {
    output.append(buffer, n);
  }
  const int status = pclose(pipe);
  INFO(raw);
  REQUIRE(status == 0);
  return nlohmann::json::parse(output);
}

std::vector<std::string> header_values(const nlohmann::json& parsed, const std::string& name) {
  std::vector<std::string> values;
  for (const auto& header : parsed["headers"]) {
    std::string key = header[0].get<std::string>();
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    if (key == name) {
      values.push_back(header[1].get<std::string>());
    }
  }
  return values;
}

// Every line ends with CRLF, no CR or LF stands alone, no line is longer than `max` octets.
void check_lines(const std::string& raw, std::size_t max) {
  REQUIRE(raw.size() >= 2);
  CHECK(raw.substr(raw.size() - 2) == "\r\n");
  std::size_t start = 0;
  while (start < raw.size()) {
    const auto end = raw.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    const auto line = raw.substr(start, end - start);
    INFO("line: " << line);
    CHECK(line.find('\r') == std::string::npos);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.size() <= max);
    start = end + 2;
  }
}

std::string hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

Message sample() {
  Message m;
  m.from = {"secretariat@emd.example.fr", "École de musique – secrétariat"};
  m.reply_to = {"accueil@emd.example.fr", "Accueil"};
  m.to = {"jean.dupont@example.com", "Dupont, Jean"};
  m.subject = "Élève « Œuvray » — réinscription";
  m.text = "Bonjour,\n\nligne Unix\r\nligne Windows\rligne Mac\n";
  return m;
}

}  // namespace

TEST_CASE("render_message: a plain message reads back through a strict parser", "[mail]") {
  Message m = sample();
  m.text += std::string(200, 'x') + " fin\n";              // needs soft line breaks
  m.text += "espace en fin de ligne \n.point\nFrom me\n";  // QP corner cases
  m.date = std::chrono::system_clock::time_point(std::chrono::seconds(1795408200));
  const auto raw = render_message(m);
  check_lines(raw, 78);

  const auto parsed = parse_with_python(raw);
  CHECK(header_values(parsed, "subject") == std::vector<std::string>{"Élève « Œuvray » — réinscription"});
  CHECK(header_values(parsed, "date") == std::vector<std::string>{"Mon, 23 Nov 2026 04:30:00 +0000"});
  CHECK(header_values(parsed, "mime-version") == std::vector<std::string>{"1.0"});
  CHECK(parsed["from"]["name"] == "École de musique – secrétariat");
  CHECK(parsed["from"]["email"] == "secretariat@emd.example.fr");
  CHECK(parsed["to"]["name"] == "Dupont, Jean");
  CHECK(parsed["reply-to"]["email"] == "accueil@emd.example.fr");
  const auto ids = header_values(parsed, "message-id");
  REQUIRE(ids.size() == 1);
  CHECK(std::regex_match(ids[0], std::regex(R"(<[0-9a-f]{32}\.[0-9]+@emd\.example\.fr>)")));

  REQUIRE(parsed["parts"].size() == 1);
  CHECK(parsed["parts"][0]["type"] == "text/plain");
  CHECK(parsed["parts"][0]["text"] == "Bonjour,\n\nligne Unix\nligne Windows\nligne Mac\n" + std::string(200, 'x') +
                                          " fin\nespace en fin de ligne \n.point\nFrom me\n");
  CHECK(raw.find("charset=utf-8") != std::string::npos);
  CHECK(raw.find("Content-Transfer-Encoding: quoted-printable") != std::string::npos);
}

TEST_CASE("render_message: long UTF-8 subjects become encoded-words of at most 75 characters", "[mail]") {
  Message m = sample();
  std::string subject;
  for (int i = 0; i < 12; ++i) {
    subject += "Réinscription 2026/2027 — « Œuvray » ";
  }
  subject += "€😀";
  m.subject = subject;
  m.from.name = std::string(40, 'a') + " é " + std::string(40, 'b');
  const auto raw = render_message(m);
  check_lines(raw, 78);
  std::smatch match;
  std::string rest = raw;
  int words = 0;
  while (std::regex_search(rest, match, std::regex(R"(=\?utf-8\?B\?[A-Za-z0-9+/=]*\?=)"))) {
    CHECK(match.length() <= 75);
    ++words;
    rest = match.suffix();
  }
  CHECK(words > 10);
  const auto parsed = parse_with_python(raw);
  CHECK(header_values(parsed, "subject")[0] == subject);
  CHECK(parsed["from"]["name"] == m.from.name);
}

TEST_CASE("render_message: CR and LF in names, subject and extra headers cannot add a header", "[mail]") {
  Message m = sample();
  m.subject = "x\r\nBcc: evil@example.com";
  m.to.name = "Jean\r\nBcc: evil@example.com";
  m.extra_headers = {{"X-Imuse-Kind", "identifier\nBcc: evil@example.com"}};
  const auto raw = render_message(m);
  check_lines(raw, 78);
  CHECK(raw.find("\r\nBcc:") == std::string::npos);
  const auto parsed = parse_with_python(raw);
  CHECK(header_values(parsed, "bcc").empty());
  CHECK(header_values(parsed, "subject") == std::vector<std::string>{"x Bcc: evil@example.com"});
  CHECK(header_values(parsed, "x-imuse-kind") == std::vector<std::string>{"identifier Bcc: evil@example.com"});
  CHECK(parsed["to"]["email"] == "jean.dupont@example.com");

  m.extra_headers = {{"X-Kind\r\nBcc", "evil@example.com"}};
  CHECK_THROWS_AS(render_message(m), std::invalid_argument);
  m.extra_headers = {{"Bcc", "evil@example.com"}};
  CHECK_THROWS_AS(render_message(m), std::invalid_argument);
  m.extra_headers = {{"X Kind", "1"}};
  CHECK_THROWS_AS(render_message(m), std::invalid_argument);
}

TEST_CASE("render_message: invalid addresses are refused", "[mail]") {
  for (const std::string bad : {"", "jean", "jean@", "@example.com", "jean dupont@example.com", "a@b@example.com",
                                "jean..dupont@example.com", "jean@example..com", "jean@-example.com",
                                "x@example.com\r\nBcc: y@example.com", "<x@example.com>", "élève@example.com"}) {
    Message m = sample();
    m.to.email = bad;
    INFO(bad);
    CHECK_THROWS_AS(render_message(m), std::invalid_argument);
    CHECK_FALSE(is_valid_address(bad));
  }
  Message m = sample();
  m.from.email = "not an address";
  CHECK_THROWS_AS(render_message(m), std::invalid_argument);
  CHECK(is_valid_address("o'brien+ecole@mail.example.co.uk"));
}

TEST_CASE("render_message: HTML alternative and attachments make a multipart message", "[mail]") {
  Message m = sample();
  m.html = "<p>Bonjour « élève »</p>\n";
  std::string pdf = "%PDF-1.4\n";
  for (int i = 0; i < 256; ++i) {
    pdf += static_cast<char>(i);
  }
  m.attachments.push_back({"Facture élève n°12.pdf", "application/pdf", pdf});
  m.attachments.push_back({"plain.txt", "text/plain", "abc"});
  const auto raw = render_message(m);
  check_lines(raw, 78);
  CHECK(raw.find("filename*=utf-8''Facture%20%C3%A9l%C3%A8ve%20n%C2%B012.pdf") != std::string::npos);
  CHECK(std::regex_search(raw, std::regex("filename=\"Facture eleve n[^\"]*12\\.pdf\"")));

  const auto parsed = parse_with_python(raw);
  const auto& parts = parsed["parts"];
  REQUIRE(parts.size() == 6);
  CHECK(parts[0]["type"] == "multipart/mixed");
  CHECK(parts[1]["type"] == "multipart/alternative");
  CHECK(parts[2]["type"] == "text/plain");
  CHECK(parts[3]["type"] == "text/html");
  CHECK(parts[3]["text"] == "<p>Bonjour « élève »</p>\n");
  CHECK(parts[4]["type"] == "application/pdf");
  CHECK(parts[4]["filename"] == "Facture élève n°12.pdf");
  CHECK(parts[4]["hex"] == hex(pdf));
  CHECK(parts[5]["filename"] == "plain.txt");

  m.attachments = {{"x.bin", "application/pdf\r\nBcc: y@example.com", "x"}};
  CHECK_THROWS_AS(render_message(m), std::invalid_argument);
}

TEST_CASE("render_message: a long non-ASCII file name uses RFC 2231 continuations", "[mail]") {
  Message m = sample();
  std::string name;
  for (int i = 0; i < 8; ++i) {
    name += "Récépissé de réinscription ";
  }
  name += ".pdf";
  m.attachments.push_back({name, "application/pdf", "x"});
  const auto raw = render_message(m);
  check_lines(raw, 78);
  CHECK(raw.find("filename*1*=") != std::string::npos);
  const auto parsed = parse_with_python(raw);
  CHECK(parsed["parts"][2]["filename"] == name);
}

TEST_CASE("make_message_id: unique ids in angle brackets", "[mail]") {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const auto id = make_message_id("emd.example.fr");
    CHECK(std::regex_match(id, std::regex(R"(<[0-9a-f]{32}\.[0-9]+@emd\.example\.fr>)")));
    ids.insert(id);
  }
  CHECK(ids.size() == 100);
}
