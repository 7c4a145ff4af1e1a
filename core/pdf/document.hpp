#pragma once
// A small drawing surface for A4 documents (text in two embedded fonts, rules, boxes, one logo)
// assembled into a PDF with PoDoFo: PoDoFo holds the object graph (pages, resources, fonts,
// images, Info dictionary) and writes the file; pages' content streams are written here.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pdf/truetype.hpp"

namespace imuse::pdf {

// A font subset ready to embed: the compressed font file and ToUnicode map, the widths.
struct PreparedFont {
  std::string file;  // Flate-compressed subset TrueType file
  std::size_t file_length = 0;
  std::string to_unicode;  // Flate-compressed CMap
  std::vector<int> widths;
  std::string base_font;
};

// Prepares the subset of the characters used so far.
PreparedFont prepare_font(const FontSubset& subset);

// The characters every document's subset holds (ASCII, French letters and typography, the
// accented letters of common European names): a document drawing nothing else embeds the
// subset prepared once per process, instead of building and compressing its own.
const std::u32string& base_repertoire();

// What every document of a process shares, loaded once: fonts, their base subsets, the logo.
struct Assets {
  std::shared_ptr<const TrueTypeFont> regular;
  std::shared_ptr<const TrueTypeFont> bold;
  std::shared_ptr<const FontSubset::Base> regular_codes;
  std::shared_ptr<const FontSubset::Base> bold_codes;
  PreparedFont regular_base;
  PreparedFont bold_base;
  std::string logo_png;  // PNG file contents, empty for none
  std::string logo_origin;

  // Reads the fonts and the logo (empty path: no logo); ConfigError naming the file otherwise.
  static std::shared_ptr<const Assets> load(const std::string& font, const std::string& font_bold,
                                            const std::string& logo);
};

// When the document was made: SOURCE_DATE_EPOCH when set (reproducible builds convention),
// else the given clock time.
std::int64_t document_epoch(std::int64_t now);

struct DocumentInfo {
  std::string title;
  std::string author;
  std::string subject;
  std::int64_t epoch = 0;  // seconds since 1970 (UTC): CreationDate and ModDate
};

enum class Face { regular, bold };
enum class Align { left, right, center };

// Points on an A4 page (595.28 × 841.89), origin at the bottom left as PDF has it.
inline constexpr double kPageWidth = 595.2756;
inline constexpr double kPageHeight = 841.8898;
inline constexpr double mm(double v) {
  return v * 72.0 / 25.4;
}

class Canvas {
 public:
  explicit Canvas(std::shared_ptr<const Assets> assets);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  // Starts a new page; drawing goes to it.
  void new_page();
  std::size_t page_count() const { return pages_.size(); }
  // Selects the page drawn on (0-based), e.g. to add "Page 1/2" once the count is known.
  void select_page(std::size_t index) { current_ = index; }

  // Draws UTF-8 text with its baseline at y; x is its left edge, right edge or centre.
  void text(double x, double y, std::string_view text, double size, Face face = Face::regular,
            Align align = Align::left);
  // Width of the text in points.
  double width(std::string_view text, double size, Face face = Face::regular) const;
  // Splits text into lines no wider than `max_width` (at spaces; a longer word is cut).
  std::vector<std::string> wrap(std::string_view text, double size, double max_width, Face face = Face::regular) const;
  void fill_color(double r, double g, double b);
  void line(double x1, double y1, double x2, double y2, double width = 0.5, double gray = 0.0);
  void rect(double x, double y, double w, double h, double fill_gray);
  void stroke_rect(double x, double y, double w, double h, double width, double gray);
  // The logo scaled to fit the box (aspect kept), top left at (x, y_top). False without logo.
  bool logo(double x, double y_top, double max_w, double max_h);
  // Raw content-stream operators (rotation of a watermark, say).
  void raw(std::string_view operators);

  // The PDF file.
  std::string finish(const DocumentInfo& info);

 private:
  std::shared_ptr<const Assets> assets_;
  std::vector<std::string> pages_;
  std::size_t current_ = 0;
  FontSubset regular_, bold_;
  bool logo_used_ = false;
};

}  // namespace imuse::pdf
