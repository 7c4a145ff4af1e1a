#include "accounts/identifiers.hpp"

#include "util/error.hpp"
#include "util/fold.hpp"

namespace imuse {

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_separator(char c) {
  return c == '-' || c == '.' || c == '_';
}

// Collapses runs of separators, trims, limits the length; "" when no letter or digit is left.
std::string tidy(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (const char c : raw) {
    if (out.empty() && !is_alnum(c)) {
      continue;  // the first character must be a letter or a digit
    }
    if (is_separator(c) && !out.empty() && is_separator(out.back())) {
      continue;
    }
    out += c;
  }
  if (out.size() > kIdentifierMaxLength) {
    out.resize(kIdentifierMaxLength);
  }
  while (!out.empty() && !is_alnum(out.back())) {
    out.pop_back();
  }
  return out;
}

// Literal text of the pattern: allowed ASCII is kept (lower-cased), spaces and apostrophes
// become '-', accented letters are folded, anything else is dropped.
std::string fold_literal(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      std::size_t end = i;
      while (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x80) {
        ++end;
      }
      out += identifier_slug(text.substr(i, end - i));
      i = end;
      continue;
    }
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (is_alnum(c) || is_separator(c) || c == '@' || c == '+') {
      out += c;
    } else if (c == ' ' || c == '\'') {
      out += '-';
    }
    ++i;
  }
  return out;
}

}  // namespace

std::string identifier_slug(std::string_view text) {
  const std::string folded = fold_text(text);  // "jean pierre l hopital": punctuation already spaces
  std::string out;
  out.reserve(folded.size());
  for (const char c : folded) {
    if (c == ' ') {
      out += '-';
    } else if (is_alnum(c)) {
      out += c;
    }  // bytes of letters with no ASCII form (Greek, Cyrillic...) are dropped
  }
  return tidy(out);
}

IdentifierPattern::IdentifierPattern(std::string_view pattern) {
  const std::string where = "accounts.identifier_pattern \"" + std::string(pattern) + "\": ";
  std::string literal;
  auto flush_literal = [&] {
    if (!literal.empty()) {
      tokens_.push_back({Kind::literal, fold_literal(literal), 0});
      literal.clear();
    }
  };
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] != '{') {
      literal += pattern[i++];
      continue;
    }
    const auto close = pattern.find('}', i);
    if (close == std::string_view::npos) {
      throw ConfigError(where + "'{' at position " + std::to_string(i + 1) + " has no closing '}'");
    }
    const std::string_view inside = pattern.substr(i + 1, close - i - 1);
    const auto colon = inside.find(':');
    const std::string name = fold_key(inside.substr(0, colon));  // {Prénom} works like {prenom}
    Token token;
    if (name == "nom") {
      token.kind = Kind::last_name;
    } else if (name == "prenom") {
      token.kind = Kind::first_name;
    } else if (name == "ref") {
      token.kind = Kind::ref;
    } else if (name == "id") {
      token.kind = Kind::id;
    } else if (name == "site") {
      token.kind = Kind::site;
    } else if (name == "seq") {
      token.kind = Kind::seq;
      uses_sequence_ = true;
    } else {
      throw ConfigError(where + "unknown placeholder {" + std::string(inside) +
                        "}; the known ones are {nom}, {prenom}, {ref}, {id}, {site}, {seq} and {seq:N}");
    }
    if (colon != std::string_view::npos) {
      const std::string_view width = inside.substr(colon + 1);
      const bool digits =
          !width.empty() && width.size() <= 2 && width.find_first_not_of("0123456789") == std::string_view::npos;
      if (token.kind != Kind::seq || !digits || std::stoi(std::string(width)) < 1 ||
          std::stoi(std::string(width)) > 20) {
        throw ConfigError(where + "placeholder {" + std::string(inside) +
                          "}: only {seq:N} takes a width, N from 1 to 20 digits");
      }
      token.width = std::stoi(std::string(width));
    }
    flush_literal();
    tokens_.push_back(token);
    i = close + 1;
  }
  flush_literal();
}

std::string IdentifierPattern::render(const IdentifierFields& fields) const {
  std::string raw;
  for (const auto& token : tokens_) {
    switch (token.kind) {
      case Kind::literal:
        raw += token.text;
        break;
      case Kind::last_name:
        raw += identifier_slug(fields.last_name);
        break;
      case Kind::first_name:
        raw += identifier_slug(fields.first_name);
        break;
      case Kind::ref:
        raw += identifier_slug(fields.ref);
        break;
      case Kind::id:
        raw += std::to_string(fields.family_id);
        break;
      case Kind::site:
        raw += identifier_slug(fields.site_code);
        break;
      case Kind::seq: {
        std::string number = std::to_string(fields.seq);
        if (number.size() < static_cast<std::size_t>(token.width)) {
          number.insert(0, static_cast<std::size_t>(token.width) - number.size(), '0');
        }
        raw += number;
        break;
      }
    }
  }
  return tidy(raw);
}

bool is_valid_identifier(std::string_view identifier) {
  if (identifier.empty() || identifier.size() > kIdentifierMaxLength || !is_alnum(identifier.front())) {
    return false;
  }
  for (const char c : identifier) {
    if (!is_alnum(c) && !is_separator(c) && c != '@' && c != '+') {
      return false;
    }
  }
  return true;
}

std::string identifier_with_suffix(std::string_view base, int n) {
  const std::string number = std::to_string(n);
  std::string head(base);
  for (;;) {
    const std::string suffix = (!head.empty() && head.back() >= '0' && head.back() <= '9' ? "-" : "") + number;
    if (head.size() + suffix.size() <= kIdentifierMaxLength) {
      return head + suffix;
    }
    head.resize(kIdentifierMaxLength - suffix.size());
    while (!head.empty() && !is_alnum(head.back())) {
      head.pop_back();
    }
  }
}

}  // namespace imuse
