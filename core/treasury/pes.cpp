#include "treasury/pes.hpp"

#include <array>
#include <stdexcept>

#include "util/xml.hpp"

namespace imuse::treasury {

namespace {

constexpr const char* kNamespace = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller";

// U+0100..U+017F (Latin Extended-A) spelled in ASCII capitals.
constexpr std::array<const char*, 128> kLatinExtendedA = {
    "A", "A", "A",  "A",  "A", "A", "C", "C", "C", "C", "C", "C", "C", "C", "D", "D",  // 0100
    "D", "D", "E",  "E",  "E", "E", "E", "E", "E", "E", "E", "E", "G", "G", "G", "G",  // 0110
    "G", "G", "G",  "G",  "H", "H", "H", "H", "I", "I", "I", "I", "I", "I", "I", "I",  // 0120
    "I", "I", "IJ", "IJ", "J", "J", "K", "K", "K", "L", "L", "L", "L", "L", "L", "L",  // 0130
    "L", "L", "L",  "N",  "N", "N", "N", "N", "N", "N", "N", "N", "O", "O", "O", "O",  // 0140
    "O", "O", "OE", "OE", "R", "R", "R", "R", "R", "R", "S", "S", "S", "S", "S", "S",  // 0150
    "S", "S", "T",  "T",  "T", "T", "T", "T", "U", "U", "U", "U", "U", "U", "U", "U",  // 0160
    "U", "U", "U",  "U",  "W", "W", "Y", "Y", "Y", "Z", "Z", "Z", "Z", "Z", "Z", "S",  // 0170
};

// U+00C0..U+00FF (Latin-1 letters) spelled in ASCII capitals; × and ÷ are not letters.
constexpr std::array<const char*, 64> kLatin1 = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I",  "I",   // 00C0
    "D", "N", "O", "O", "O", "O", "O",  " ", "O", "U", "U", "U", "U", "Y", "TH", "SS",  // 00D0
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I",  "I",   // 00E0
    "D", "N", "O", "O", "O", "O", "O",  " ", "O", "U", "U", "U", "U", "Y", "TH", "Y",   // 00F0
};

// Reads one UTF-8 code point at `pos` and advances; U+FFFD for a malformed sequence (one byte).
char32_t next_code_point(std::string_view s, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(pos);
  int length = 0;
  char32_t cp = 0;
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    cp = b0 & 0x07;
  } else {
    ++pos;
    return 0xFFFD;
  }
  if (pos + length > s.size()) {
    ++pos;
    return 0xFFFD;
  }
  for (int i = 1; i < length; ++i) {
    const unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) {
      ++pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  pos += length;
  return cp;
}

// The ASCII spelling of one character: "" to drop it, " " for a separator.
std::string_view spell(char32_t cp) {
  static constexpr std::string_view kKept = "'-.,/()";
  if (cp < 0x80) {
    static const std::array<std::string, 128> ascii = [] {
      std::array<std::string, 128> t;
      for (int c = 0; c < 128; ++c) {
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || kKept.find(static_cast<char>(c)) != kKept.npos) {
          t[c] = std::string(1, static_cast<char>(c));
        } else if (c >= 'a' && c <= 'z') {
          t[c] = std::string(1, static_cast<char>(c - 'a' + 'A'));
        } else if (c == '&') {
          t[c] = " ET ";
        } else {
          t[c] = " ";  // controls, white space and every other sign separate words
        }
      }
      return t;
    }();
    return ascii[cp];
  }
  if (cp >= 0xC0 && cp <= 0xFF) {
    return kLatin1[cp - 0xC0];
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    return kLatinExtendedA[cp - 0x100];
  }
  switch (cp) {
    case 0x0218:  // Ș ș (Romanian)
    case 0x0219:
      return "S";
    case 0x021A:  // Ț ț
    case 0x021B:
      return "T";
    case 0x02BC:  // modifier apostrophe
    case 0x2018:  // ‘ ’ ‛ ′
    case 0x2019:
    case 0x201B:
    case 0x2032:
      return "'";
    case 0x2010:  // hyphens and dashes
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
      return "-";
    case 0x1E9E:  // capital sharp s
      return "SS";
    default:
      break;
  }
  // Other symbols, spaces and quotation marks of Latin-1 and general punctuation separate words;
  // letters of other scripts cannot be spelled and are dropped.
  if (cp < 0xC0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF) {
    return " ";
  }
  return "";
}

bool meaningful(const std::string& s) {
  for (char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= '1' && c <= '9')) {
      return true;
    }
  }
  return false;
}

std::string digits_of(std::string_view s) {
  std::string d;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      d += c;
    } else if (c != ' ' && c != '.' && c != '-') {
      return "";
    }
  }
  return d;
}

}  // namespace

std::string pes_text(std::string_view utf8, std::size_t max_length) {
  std::string out;
  out.reserve(std::min(utf8.size(), max_length + 8));
  bool pending_space = false;
  for (std::size_t pos = 0; pos < utf8.size() && out.size() < max_length;) {
    const std::string_view s = spell(next_code_point(utf8, pos));
    for (char c : s) {
      if (c == ' ') {
        pending_space = !out.empty();
        continue;
      }
      if (pending_space) {
        out += ' ';
        pending_space = false;
      }
      out += c;
    }
  }
  if (out.size() > max_length) {
    out.resize(max_length);
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return meaningful(out) ? out : std::string();
}

std::string pes_amount(Cents cents) {
  if (cents <= 0) {
    throw std::invalid_argument("PES amounts are positive, got " + std::to_string(cents) + " cents");
  }
  return format_decimal(cents);
}

std::optional<std::string> pes_civility(std::string_view stored) {
  if (stored == "M") {
    return std::string("MR");
  }
  if (stored == "MME") {
    return std::string("MME");
  }
  return std::nullopt;
}

std::optional<std::string> pes_country_code(std::string_view iso2) {
  static constexpr std::pair<std::string_view, std::string_view> kCodes[] = {
      {"AD", "130"}, {"BE", "131"}, {"CH", "140"}, {"DE", "109"}, {"ES", "134"}, {"GB", "132"},
      {"IT", "127"}, {"LU", "137"}, {"MC", "138"}, {"NL", "135"}, {"PT", "139"},
  };
  for (const auto& [iso, insee] : kCodes) {
    if (iso == iso2) {
      return std::string(insee);
    }
  }
  return std::nullopt;
}

DebtorResult pes_debtor(const FamilyIdentity& f) {
  DebtorResult r;
  PesDebtor& d = r.debtor;
  auto& problems = r.problems;
  d.ref = pes_text(f.ref, kRefTiersLength);
  if (const auto civility = pes_civility(f.civility)) {
    d.civility = *civility;
  } else {
    problems.push_back(f.civility.empty()
                           ? "civility (Civilite) missing: the treasury requires M or MME for a natural person"
                           : "civility \"" + f.civility + "\" is not M or MME (the treasury refuses it)");
  }
  d.last_name = pes_text(f.last_name, kNameLength);
  if (d.last_name.empty()) {
    problems.push_back("last name (Nom) \"" + f.last_name + "\" has no letter the treasury accepts");
  }
  d.first_name = pes_text(f.first_name, kNameLength);
  if (d.first_name.empty()) {
    problems.push_back(f.first_name.empty()
                           ? "first name (Prenom) missing: the treasury requires it for a natural person"
                           : "first name (Prenom) \"" + f.first_name + "\" has no letter the treasury accepts");
  }
  // Adr2 is the street; the line after it is a complement (Adr1), a third line goes to Adr3.
  std::vector<std::string> lines;
  for (const auto* line : {&f.address1, &f.address2, &f.address3}) {
    if (auto text = pes_text(*line, kNameLength); !text.empty()) {
      lines.push_back(std::move(text));
    }
  }
  if (lines.empty()) {
    problems.push_back("address (Adresse) missing: the treasury requires a street line");
  } else {
    d.adr2 = lines[0];
    d.adr1 = lines.size() > 1 ? lines[1] : "";
    d.adr3 = lines.size() > 2 ? lines[2] : "";
  }
  const std::string country = f.country_code.empty() ? "FR" : f.country_code;
  const std::string city = pes_text(f.city, kNameLength);
  if (city.empty()) {
    problems.push_back("city (Ville) missing");
  }
  if (country == "FR") {
    const std::string cp = digits_of(f.postal_code);
    if (f.postal_code.empty()) {
      problems.push_back("postal code (CP) missing");
    } else if (cp.size() != 5) {
      problems.push_back("postal code (CP) \"" + f.postal_code + "\" is not 5 digits");
    }
    d.postal_code = cp;
    d.city = city;
  } else if (const auto code = pes_country_code(country)) {
    // Abroad: CP 99999, the foreign postal code goes with the city (dossier technique).
    d.country = *code;
    d.postal_code = "99999";
    d.city = pes_text(f.postal_code + " " + f.city, kNameLength);
  } else {
    problems.push_back("country " + country +
                       ": its INSEE code (CodPays) is unknown to imuse-admin; transfer this family by hand");
  }
  return r;
}

bool is_pes_product_code(std::string_view code) {
  if (code.empty() || code.size() > 4) {
    return false;
  }
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return code.find_first_not_of('0') != std::string_view::npos;
}

bool is_pes_nature(std::string_view nature) {
  if (nature.empty() || nature.size() > 12 || nature.find_first_not_of("0123456789") != std::string_view::npos) {
    return false;
  }
  return nature.find_first_not_of('0') != std::string_view::npos;
}

PesWriter::PesWriter(const std::string& path, const std::string& encoding, const PesFileHeader& h)
    : writer_(std::make_unique<xml::Writer>(path, encoding, false)) {
  auto& w = *writer_;
  w.start_document();
  w.start_root("n", "PES_Aller", kNamespace);
  w.start("Enveloppe");
  w.start("Parametres");
  w.value_element("Version", "2");
  w.value_element("TypFic", "PESALR1");
  w.value_element("NomFic", h.file_name);
  w.end();
  w.start("Emetteur");
  w.value_element("Sigle", pes_text(h.sender_sigle, kSigleLength));
  w.value_element("Adresse", pes_text(h.sender_address, kNameLength));
  w.end();
  w.end();  // Enveloppe
  w.start("EnTetePES");
  w.value_element("DteStr", h.date.iso());
  w.value_element("IdPost", h.id_post);
  w.value_element("IdColl", h.id_coll);
  w.value_element("CodCol", h.cod_col);
  w.value_element("CodBud", h.cod_bud);
  if (const auto label = pes_text(h.libelle_col_bud, kNameLength); !label.empty()) {
    w.value_element("LibelleColBud", label);
  }
  w.end();  // EnTetePES
  w.start("PES_RecetteAller");
  w.start("EnTeteRecette");
  w.value_element("IdVer", "2");
  w.value_element("InfoDematerialisee", "0");
  w.end();
}

PesWriter::~PesWriter() = default;

void PesWriter::begin_bordereau(const PesBordereau& b) {
  auto& w = *writer_;
  w.start("Bordereau");
  w.start("BlocBordereau");
  w.value_element("Exer", std::to_string(b.exercise));
  w.value_element("IdBord", std::to_string(b.number));
  w.value_element("DteBordEm", b.issued.iso());
  w.value_element("TypBord", "01");
  w.value_element("NbrPce", std::to_string(b.piece_count));
  w.value_element("MtBordHt", pes_amount(b.total));
  w.end();
}

void PesWriter::begin_piece(const PesPiece& p) {
  auto& w = *writer_;
  w.start("Piece");
  w.start("BlocPiece");
  w.value_element("IdPce", std::to_string(p.title_number));
  w.value_element("TypPce", "01");
  w.value_element("NatPce", "01");
  if (const auto object = pes_text(p.object, kObjectLength); !object.empty()) {
    w.value_element("ObjPce", object);
  }
  w.end();
}

void PesWriter::line(const PesLine& l, const PesDebtor& d) {
  auto& w = *writer_;
  w.start("LigneDePiece");
  w.start("BlocLignePiece");
  w.start("InfoLignePiece");
  w.value_element("IdLigne", std::to_string(l.number));
  if (const auto object = pes_text(l.object, kObjectLength); !object.empty()) {
    w.value_element("ObjLignePce", object);
  }
  w.value_element("CodProdLoc", l.product_code);
  w.value_element("Nature", l.nature);
  w.value_element("Majo", "0");
  w.value_element("TvaIntraCom", "0");
  w.value_element("MtHT", pes_amount(l.amount));
  w.end();  // InfoLignePiece
  w.end();  // BlocLignePiece
  w.start("Tiers");
  w.start("InfoTiers");
  if (!d.ref.empty()) {
    w.value_element("RefTiers", d.ref);
  }
  w.value_element("CatTiers", "01");
  w.value_element("NatJur", "01");
  w.value_element("TypTiers", "01");
  w.value_element("Civilite", d.civility);
  w.value_element("Nom", d.last_name);
  w.value_element("Prenom", d.first_name);
  w.end();  // InfoTiers
  w.start("Adresse");
  w.value_element("TypAdr", "1");
  if (!d.adr1.empty()) {
    w.value_element("Adr1", d.adr1);
  }
  w.value_element("Adr2", d.adr2);
  if (!d.adr3.empty()) {
    w.value_element("Adr3", d.adr3);
  }
  w.value_element("CP", d.postal_code);
  w.value_element("Ville", d.city);
  w.value_element("CodRes", d.country.empty() ? "0" : "1");
  if (!d.country.empty()) {
    w.value_element("CodPays", d.country);
  }
  w.end();  // Adresse
  w.end();  // Tiers
  w.end();  // LigneDePiece
}

void PesWriter::end_piece() {
  writer_->end();
}

void PesWriter::end_bordereau() {
  writer_->end();
}

void PesWriter::finish() {
  writer_->finish();
}

}  // namespace imuse::treasury
