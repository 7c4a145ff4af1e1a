#pragma once
// Login identifiers (identifiants) built from accounts.identifier_pattern, e.g. "{nom}.{prenom}"
// -> "lefevre.helene": lower-case ASCII, at most 64 characters, valid for the
// accounts_identifier_format CHECK (^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imuse {

// Longest identifier the database accepts.
constexpr std::size_t kIdentifierMaxLength = 64;

// What a placeholder of the pattern can take from a family.
struct IdentifierFields {
  std::string last_name;       // {nom}
  std::string first_name;      // {prenom}; "" when the family has none
  std::string ref;             // {ref}: the family's reference (Réf famille); "" when none
  std::int64_t family_id = 0;  // {id}
  std::string site_code;       // {site}
  std::int64_t seq = 0;        // {seq} / {seq:N}
};

class IdentifierPattern {
 public:
  // Parses `pattern`; ConfigError naming accounts.identifier_pattern for an unknown placeholder
  // (the placeholder is named), a '{' without '}', or a {seq:N} width outside 1..20.
  explicit IdentifierPattern(std::string_view pattern);

  // The identifier for `fields`: values folded to lower-case ASCII (é -> e, œ -> oe, ß -> ss),
  // spaces, apostrophes and other punctuation inside a value -> '-', letters without an ASCII
  // form dropped, runs of '.', '-', '_' collapsed, trimmed to start with a letter or digit and
  // end without a separator, at most 64 characters. "" when nothing usable is left.
  std::string render(const IdentifierFields& fields) const;

  // True when the pattern has {seq}: collisions then take the next number, not a suffix.
  bool uses_sequence() const { return uses_sequence_; }

 private:
  enum class Kind { literal, last_name, first_name, ref, id, site, seq };
  struct Token {
    Kind kind = Kind::literal;
    std::string text;  // literal text, already folded
    int width = 0;     // {seq:N}
  };
  std::vector<Token> tokens_;
  bool uses_sequence_ = false;
};

// A value folded for an identifier as render() folds placeholders ("Dupré-Lagarde" -> "dupre-lagarde").
std::string identifier_slug(std::string_view text);

// True when `identifier` passes the accounts_identifier_format CHECK.
bool is_valid_identifier(std::string_view identifier);

// `base` with the uniqueness suffix `n` (n >= 2): "martin.paul" -> "martin.paul2"; a base ending
// in a digit gets a '-' first ("f0001" -> "f0001-2") so that it cannot read as another number.
// The base is shortened so that the result stays within 64 characters.
std::string identifier_with_suffix(std::string_view base, int n);

}  // namespace imuse
