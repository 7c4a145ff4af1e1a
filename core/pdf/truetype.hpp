#pragma once
// TrueType fonts embedded in PDFs as subsets: the font file is read and parsed once per process
// (TrueTypeFont, immutable, shared by every rendering thread); each document collects the
// characters it draws in a FontSubset and writes only their glyphs.
//
// Why not PoDoFo's CreateFontSubset: it reads and copies the whole font file (757 KB for DejaVu
// Sans) twice and parses it for every document, which cost ~4 ms per invoice here; see
// docs/benchmarks-pdf.part.md.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace imuse::pdf {

class TrueTypeFont {
 public:
  // Reads and parses a TrueType file; DataError naming the file when it is not one.
  static std::shared_ptr<const TrueTypeFont> load(const std::string& path);
  // Parses font data already in memory (`origin` names it in errors). A font without a
  // Unicode 'cmap' (such as the subsets written here) is accepted when `require_cmap` is false.
  static std::shared_ptr<const TrueTypeFont> parse(std::string data, const std::string& origin,
                                                   bool require_cmap = true);

  // The glyph drawing `code_point`, 0 (.notdef) when the font has none.
  std::uint16_t glyph(char32_t code_point) const;
  // Advance width of a glyph in thousandths of the font size.
  double advance(std::uint16_t glyph) const;
  // Advance width in font units.
  std::uint16_t advance_units(std::uint16_t glyph) const { return glyph < advances_.size() ? advances_[glyph] : 0; }
  const std::string& postscript_name() const { return postscript_name_; }
  bool bold() const { return bold_; }
  // Metrics in thousandths of the font size, as a PDF FontDescriptor wants them.
  int ascent() const { return scaled(ascender_); }
  int descent() const { return scaled(descender_); }
  int cap_height() const { return scaled(cap_height_); }
  std::vector<int> bbox() const { return {scaled(x_min_), scaled(y_min_), scaled(x_max_), scaled(y_max_)}; }

  // A glyph's outline without hinting instructions, and the glyphs a composite refers to with
  // the byte offsets of their indices (to renumber them in a subset).
  struct Glyph {
    std::string data;
    std::vector<std::pair<std::size_t, std::uint16_t>> components;
    std::int16_t lsb = 0;
  };
  const Glyph& glyph_data(std::uint16_t glyph) const { return glyphs_.at(glyph); }
  // The raw 'head', 'hhea' and 'maxp' tables (copied into each subset, then patched).
  const std::string& table(const std::string& tag) const;
  std::uint16_t units_per_em() const { return units_per_em_; }

 private:
  TrueTypeFont() = default;
  int scaled(int units) const { return static_cast<int>(units * 1000L / units_per_em_); }

  std::map<std::string, std::string> tables_;
  std::vector<std::uint16_t> bmp_;                   // code point < 0x10000 -> glyph
  std::map<char32_t, std::uint16_t> supplementary_;  // code point >= 0x10000 -> glyph
  std::vector<std::uint16_t> advances_;
  std::vector<Glyph> glyphs_;
  std::string postscript_name_;
  std::uint16_t units_per_em_ = 1000;
  int ascender_ = 0, descender_ = 0, cap_height_ = 0;
  int x_min_ = 0, y_min_ = 0, x_max_ = 0, y_max_ = 0;
  bool bold_ = false;
};

// The characters one document draws with one font. Each distinct character gets its own glyph
// number in the subset (1, 2, … in order of first use; 0 is .notdef), so that the PDF's
// character codes are the subset's glyph numbers (CIDToGIDMap /Identity) and the ToUnicode map
// gives every code exactly one character back.
class FontSubset {
 public:
  // Codes given up front to a fixed list of characters, shared by the documents of a process.
  struct Base {
    std::vector<std::uint16_t> codes;                      // code point < 0x10000 -> code, 0 if none
    std::vector<std::pair<char32_t, std::uint16_t>> used;  // (character, original glyph) by code - 1
  };
  // The codes of `characters`, in this order (built once, then shared read-only).
  static std::shared_ptr<const Base> make_base(const TrueTypeFont& font, std::u32string_view characters);

  // `base`: characters coded up front whether the document draws them or not, so that most
  // documents share one subset (see Assets).
  explicit FontSubset(std::shared_ptr<const TrueTypeFont> font, std::shared_ptr<const Base> base = nullptr);

  // The 2-byte codes (Identity-H) drawing `text` (UTF-8; invalid bytes become U+FFFD).
  std::string encode(std::string_view text);
  // Width of `text` at `size` points, without adding it to the subset.
  double width(std::string_view text, double size) const;
  bool empty() const { return used_.empty() && (!base_ || base_->used.empty()); }
  // True when the document drew nothing beyond the base characters.
  bool only_base() const { return used_.empty(); }

  // What the PDF font objects need, built from the characters used so far.
  struct Built {
    std::string font_file;    // the subset TrueType file (uncompressed)
    std::string to_unicode;   // the ToUnicode CMap
    std::vector<int> widths;  // advance of codes 1..n in thousandths of the size
    std::string base_font;    // "ABCDEF+DejaVuSans": tag derived from the characters used
  };
  Built build() const;
  const TrueTypeFont& font() const { return *font_; }

 private:
  std::uint16_t code(char32_t c);

  std::shared_ptr<const TrueTypeFont> font_;
  std::map<char32_t, std::uint16_t> codes_;  // character -> subset glyph
  std::shared_ptr<const Base> base_;
  std::vector<std::pair<char32_t, std::uint16_t>> used_;  // beyond the base: by code - base size - 1
};

// Decodes UTF-8; an invalid or truncated sequence gives U+FFFD and resumes at the next byte.
std::u32string decode_utf8(std::string_view text);

}  // namespace imuse::pdf
