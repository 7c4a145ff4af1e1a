#include <zlib.h>

#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <thread>

#include "pdf/invoice_pdf.hpp"

using namespace imuse;
using namespace imuse::pdf;

namespace {

const char* kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const char* kBold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
const std::int64_t kEpoch = 1790000000;  // 2026-09-21 14:13:20 UTC

std::shared_ptr<const Assets> assets() {
  static const auto a = Assets::load(kFont, kBold, "");
  return a;
}

Issuer issuer() {
  Issuer i;
  i.name = "École de musique et de danse d’Éragny";
  i.address = {"1 place de l'Hôtel de Ville"};
  i.postal_code = "95610";
  i.city = "Éragny";
  i.siret = "21999999200015";
  i.payee = "Régie de recettes";
  i.iban = "FR76 1000 7000 0100 0000 0000 185";
  i.payfip_url = "https://www.payfip.gouv.fr/";
  return i;
}

InvoiceDocument invoice(int lines) {
  InvoiceDocument d;
  d.number = "FACT20262027000007";
  d.issued_on = {2026, 9, 15};
  d.due_on = {2026, 10, 15};
  d.school_year = "2026/2027";
  d.ledger = "tuition";
  d.label = "Cotisations 2026/2027";
  d.payfip_reference = d.number;
  d.family_id = 12;
  d.recipient = {"Mme Œlla Lefèvre", {"12 rue de l’Église"}, "95610", "Éragny", ""};
  for (int i = 0; i < lines; ++i) {
    d.lines.push_back({"Formation musicale " + std::to_string(i + 1), "Zoé Lefèvre", 1, 12345, 0, 12345});
    d.total += 12345;
  }
  d.due = d.total;
  d.instalments = {{1, {2026, 10, 15}, d.total, false}};
  return d;
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1))
    ++n;
  return n;
}

std::string inflate_all(const std::string& z) {
  std::string out(z.size() * 20 + 1024, '\0');
  uLongf size = out.size();
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(z.data()),
                     static_cast<uLong>(z.size())) == Z_OK);
  out.resize(size);
  return out;
}

}  // namespace

TEST_CASE("an invoice embeds DejaVu Sans subsets as Identity-H CID fonts with a ToUnicode map", "[pdf]") {
  const std::string pdf = Renderer(assets()).invoice(issuer(), invoice(3), kEpoch);
  REQUIRE(pdf.compare(0, 5, "%PDF-") == 0);
  // Two fonts (regular, bold), each a Type0 font over a CIDFontType2 with an embedded subset.
  CHECK(occurrences(pdf, "/Subtype/Type0") == 2);
  CHECK(occurrences(pdf, "/Encoding/Identity-H") == 2);
  CHECK(occurrences(pdf, "/Subtype/CIDFontType2") == 2);
  CHECK(occurrences(pdf, "/CIDToGIDMap/Identity") == 2);
  CHECK(occurrences(pdf, "/ToUnicode ") == 2);
  CHECK(occurrences(pdf, "/FontFile2 ") == 2);
  CHECK(std::regex_search(pdf, std::regex("/BaseFont/[A-Z]{6}\\+DejaVuSans/")));
  CHECK(std::regex_search(pdf, std::regex("/BaseFont/[A-Z]{6}\\+DejaVuSans-Bold/")));
  // Info dictionary: title and author in UTF-16BE with a byte order mark (PdfString from
  // pdf_utf8), dates from the given epoch.
  const std::string utf16_title = std::string("/Title(\xFE\xFF\0F\0a\0c\0t\0u\0r\0e\0 \0F\0A\0C\0T", 26);
  CHECK(pdf.find(utf16_title) != std::string::npos);
  const std::string utf16_author = std::string("/Author(\xFE\xFF\0\xC9\0c\0o\0l\0e", 18);  // "École"
  CHECK(pdf.find(utf16_author) != std::string::npos);
  CHECK(pdf.find("/CreationDate(D:20260921141320Z)") != std::string::npos);
  CHECK(pdf.find("/ModDate(D:20260921141320Z)") != std::string::npos);
  CHECK(pdf.find("/Count 1/") != std::string::npos);
}

TEST_CASE("a font subset maps each code back to its character and is a valid TrueType file", "[pdf]") {
  const auto font = TrueTypeFont::load(kFont);
  FontSubset subset(font);
  const std::string codes = subset.encode("é€«»œŒç");
  // One 2-byte code per character, numbered from 1 in order of first use.
  REQUIRE(codes.size() == 14);
  CHECK(codes.substr(0, 2) == std::string("\0\x01", 2));
  CHECK(codes.substr(12, 2) == std::string("\0\x07", 2));
  const auto built = subset.build();
  for (const char* entry : {"<0001> <00E9>", "<0002> <20AC>", "<0003> <00AB>", "<0004> <00BB>", "<0005> <0153>",
                            "<0006> <0152>", "<0007> <00E7>"}) {
    CHECK(built.to_unicode.find(entry) != std::string::npos);
  }
  // The subset parses back; glyph 2 (the euro sign) keeps the original advance width.
  const auto back = TrueTypeFont::parse(built.font_file, "subset", false);
  CHECK(back->advance(2) == Approx(font->advance(font->glyph(U'€'))));
  CHECK(built.widths.size() == 7);
  // é is a composite glyph in DejaVu Sans: its components (e, acute) are in the subset too.
  CHECK(built.font_file.size() < 20000);
}

TEST_CASE("the same document and SOURCE_DATE_EPOCH give the same bytes; other content another /ID", "[pdf]") {
  const Renderer renderer(assets());
  const std::string a = renderer.invoice(issuer(), invoice(3), kEpoch);
  const std::string b = renderer.invoice(issuer(), invoice(3), kEpoch);
  CHECK(a == b);
  InvoiceDocument other = invoice(3);
  other.recipient.name = "M. Jean Dupont";
  const std::string c = renderer.invoice(issuer(), other, kEpoch);
  const auto id = [](const std::string& pdf) { return pdf.substr(pdf.find("/ID[")); };
  CHECK(id(a) != id(c));
  CHECK(renderer.invoice(issuer(), invoice(3), kEpoch + 1) != a);
  // Rendering on two threads at once gives the same bytes as alone.
  std::string t1, t2;
  std::thread x([&] { t1 = renderer.invoice(issuer(), invoice(3), kEpoch); });
  std::thread y([&] { t2 = renderer.invoice(issuer(), invoice(3), kEpoch); });
  x.join();
  y.join();
  CHECK(t1 == a);
  CHECK(t2 == a);
}

TEST_CASE("60 lines overflow to a second page that repeats the table header", "[pdf]") {
  const Renderer renderer(assets());
  const std::string one = renderer.invoice(issuer(), invoice(3), kEpoch);
  const std::string two = renderer.invoice(issuer(), invoice(60), kEpoch);
  CHECK(one.find("/Count 1/") != std::string::npos);
  CHECK(two.find("/Count 2/") != std::string::npos);
  CHECK(occurrences(two, "/Type/Page/") == 2);
}

TEST_CASE("a re-print is marked DUPLICATA on every page", "[pdf]") {
  // The page streams are compressed: count the bold DUPLICATA runs in the content, decoded.
  const Renderer renderer(assets());
  InvoiceDocument d = invoice(60);
  const std::string first = renderer.invoice(issuer(), d, kEpoch);
  d.duplicata = true;
  const std::string again = renderer.invoice(issuer(), d, kEpoch);
  CHECK(again.size() > first.size());
  // Contents streams: every "/Type/Page/Contents N 0 R" names a Flate stream.
  std::size_t marks = 0;
  for (std::size_t p = again.find("/Type/Page/Contents "); p != std::string::npos;
       p = again.find("/Type/Page/Contents ", p + 1)) {
    const std::string obj = again.substr(p + 20, again.find(' ', p + 20) - p - 20) + " 0 obj";
    const std::size_t at = again.find("\n" + obj);
    const std::size_t start = again.find("stream\n", at) + 7, end = again.find("\nendstream", start);
    const std::string content = inflate_all(again.substr(start, end - start));
    marks += occurrences(content, "/F2 80 Tf");  // the diagonal watermark
  }
  CHECK(marks == 2);
}

TEST_CASE("a receipt names its number, the payment and what remains due", "[pdf]") {
  ReceiptDocument r;
  r.number = "RECU20262027000003";
  r.paid_on = {2026, 10, 5};
  r.payer = {"Mme Œlla Lefèvre", {"12 rue de l’Église"}, "95610", "Éragny", ""};
  r.amount = 2400;
  r.mode = "cheque";
  r.invoice_number = "FACT20262027000007";
  r.invoice_total = 37035;
  r.remaining_due = 34635;
  const std::string pdf = Renderer(assets()).receipt(issuer(), r, kEpoch);
  const std::string utf16_title = std::string("/Title(\xFE\xFF\0R\0e\0\xE7\0u\0 \0R\0E\0C\0U", 22);  // "Reçu RECU"
  CHECK(pdf.find(utf16_title) != std::string::npos);
  CHECK(payment_mode_label("direct_debit") == "Prélèvement");
  CHECK(ledger_label("rental") == "Locations");
}

TEST_CASE("a character beyond the shared base subset gets a subset of its own document", "[pdf]") {
  const Renderer renderer(assets());
  InvoiceDocument d = invoice(1);
  const std::string base_only = renderer.invoice(issuer(), d, kEpoch);
  d.recipient.name = "M. Nguyễn Văn Минь";  // ễ, ă and Cyrillic are not in the base repertoire
  const std::string extra = renderer.invoice(issuer(), d, kEpoch);
  // Another subset tag for the bold font the name is set in (its own subset, built for this
  // document); the regular font keeps the shared one.
  const std::regex tag("/BaseFont/([A-Z]{6})\\+DejaVuSans-Bold/");
  const std::regex regular("/BaseFont/([A-Z]{6})\\+DejaVuSans/");
  std::smatch r1, r2;
  REQUIRE(std::regex_search(base_only, r1, regular));
  REQUIRE(std::regex_search(extra, r2, regular));
  CHECK(r1[1] == r2[1]);
  std::smatch a, b;
  REQUIRE(std::regex_search(base_only, a, tag));
  REQUIRE(std::regex_search(extra, b, tag));
  CHECK(a[1] != b[1]);
  CHECK(occurrences(extra, "/Encoding/Identity-H") == 2);
}
