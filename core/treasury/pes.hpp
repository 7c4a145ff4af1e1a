#pragma once
// Treasury: the PES V2 PES_Aller recette file, written streaming with libxml2.
//
// Everything here knows the format, nothing knows the database: values come in as the school
// typed them (UTF-8) and go out as the DGFiP's Hélios accepts them (upper case, no accents, no
// character outside a small set, schema lengths), so that a file that validates against the XSD
// is also one the treasury's documentation-only rules accept (Civilite and Prenom for natural
// persons, no "Mademoiselle", NbrPce and MtBordHt equal to the pieces').
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/french.hpp"
#include "util/money.hpp"

namespace imuse::xml {
class Writer;
}

namespace imuse::treasury {

// Maximum lengths of the PES V2 text types used here (Base_TexteN of the schema).
inline constexpr std::size_t kNameLength = 38;       // Nom, Prenom, Adr1-3, Ville, Emetteur/Adresse
inline constexpr std::size_t kObjectLength = 160;    // ObjPce, ObjLignePce
inline constexpr std::size_t kSigleLength = 32;      // Emetteur/Sigle
inline constexpr std::size_t kRefTiersLength = 30;   // RefTiers
inline constexpr std::size_t kFileNameLength = 100;  // NomFic
// NbrPce is a 5-digit number: a bordereau holds at most this many pieces.
inline constexpr long kMaxPiecesPerBordereau = 99999;

// A value as the treasury accepts it: upper case; accents and ligatures spelled out (É→E, Œ→OE,
// Æ→AE, ß→SS, Ł→L...); typographic apostrophes and dashes made ASCII; "&" written "ET"; every
// other character outside A-Z, 0-9, space and ' - . , / ( ) replaced by a space; white space
// (line breaks included) collapsed; trimmed; cut to `max_length` characters at most. "" when
// nothing meaningful is left (no letter and no digit other than 0: the schema refuses such
// values).
std::string pes_text(std::string_view utf8, std::size_t max_length);

// An amount as PES writes it: "1234.50" (dot, two decimals, no grouping). Amounts must be > 0.
std::string pes_amount(Cents cents);

// The Civilite code of a stored civility ('M' or 'MME'): "MR" or "MME", the abbreviations the
// dossier technique gives ("Mr, Mme"), in the upper case of every value. nullopt for anything
// else (NULL, or a "Mademoiselle" the treasury refuses).
std::optional<std::string> pes_civility(std::string_view stored);

// The INSEE country code (CodPays, 3 digits) of the few countries whose families a French school
// usually bills (BE, CH, DE, ES, IT, LU, MC, AD, NL, PT, GB); nullopt for others.
std::optional<std::string> pes_country_code(std::string_view iso2);

// A family's responsible adult as stored (NULL columns as "").
struct FamilyIdentity {
  std::string ref;  // external_ref (Réf famille), RefTiers
  std::string civility;
  std::string last_name;
  std::string first_name;
  std::string address1;
  std::string address2;
  std::string address3;
  std::string postal_code;
  std::string city;
  std::string country_code = "FR";
};

// The debtor (Tiers) of a title, every value already normalised with pes_text.
struct PesDebtor {
  std::string ref;  // "" = no RefTiers
  std::string civility;
  std::string last_name;
  std::string first_name;
  std::string adr1;  // "" = none (complément: building, floor)
  std::string adr2;  // street
  std::string adr3;  // "" = none (lieu-dit, other line)
  std::string postal_code;
  std::string city;
  std::string country;  // "" for a resident (CodRes 0), else the INSEE code (CodRes 1)
};

struct DebtorResult {
  PesDebtor debtor;
  std::vector<std::string> problems;  // one sentence per field the treasury would reject
};

// The Tiers of a natural person (CatTiers 01, NatJur 01, TypTiers 01) from a family. Problems
// name the field and what to fix: missing or refused civility, missing first name, a name,
// street, postal code or city missing or without a letter the treasury accepts, a French
// postal code that is not 5 digits, a foreign country without a known INSEE code. Long values
// are cut to the schema's lengths (not a problem).
DebtorResult pes_debtor(const FamilyIdentity& family);

// The file-level values of a PES_Aller (Enveloppe and EnTetePES).
struct PesFileHeader {
  std::string file_name;        // NomFic
  std::string sender_sigle;     // Emetteur/Sigle
  std::string sender_address;   // Emetteur/Adresse
  Date date;                    // DteStr
  std::string id_post;          // IdPost: 6-7 digits (or 02A/02B + 3-4 digits)
  std::string id_coll;          // IdColl: SIRET, 14 digits
  std::string cod_col;          // CodCol: 3 digits
  std::string cod_bud;          // CodBud: 2 characters
  std::string libelle_col_bud;  // "" = none
};

struct PesBordereau {
  int exercise = 0;      // Exer
  long number = 0;       // IdBord
  Date issued;           // DteBordEm
  long piece_count = 0;  // NbrPce
  Cents total = 0;       // MtBordHt
};

struct PesPiece {
  long title_number = 0;  // IdPce
  std::string object;     // ObjPce (free text, normalised here)
};

struct PesLine {
  int number = 1;            // IdLigne
  std::string object;        // ObjLignePce (free text, normalised here)
  std::string product_code;  // CodProdLoc: 1-4 letters or digits
  std::string nature;        // Nature: the budget account, digits
  Cents amount = 0;          // MtHT
};

// Writes one PES_Aller recette file as it goes: the caller opens bordereaux, pieces and lines in
// the schema's order; nothing is held in memory. TypBord, TypPce and NatPce are 01 (ordinary
// title, operating revenue), Majo and TvaIntraCom 0, TypAdr 1. OutputError when the file cannot
// be written. The header values must already be valid (see the treasury export's checks); text
// values are normalised with pes_text on the way out.
class PesWriter {
 public:
  PesWriter(const std::string& path, const std::string& encoding, const PesFileHeader& header);
  ~PesWriter();
  PesWriter(const PesWriter&) = delete;
  PesWriter& operator=(const PesWriter&) = delete;

  void begin_bordereau(const PesBordereau& bordereau);
  void begin_piece(const PesPiece& piece);
  void line(const PesLine& line, const PesDebtor& debtor);
  void end_piece();
  void end_bordereau();
  // Closes the document and the file.
  void finish();

 private:
  std::unique_ptr<xml::Writer> writer_;
};

// True for a product code the schema accepts (CodProdLoc: 1 to 4 letters or digits).
bool is_pes_product_code(std::string_view code);
// True for a budget account the schema accepts (Nature: 1 to 12 digits, not all zeros).
bool is_pes_nature(std::string_view nature);

}  // namespace imuse::treasury
