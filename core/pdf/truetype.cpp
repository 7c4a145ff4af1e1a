#include "pdf/truetype.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "util/error.hpp"

namespace imuse::pdf {

namespace {

std::uint16_t u16(std::string_view d, std::size_t at) {
  if (at + 2 > d.size()) {
    throw std::out_of_range("truncated table");
  }
  return static_cast<std::uint16_t>((static_cast<unsigned char>(d[at]) << 8) | static_cast<unsigned char>(d[at + 1]));
}
std::int16_t s16(std::string_view d, std::size_t at) {
  return static_cast<std::int16_t>(u16(d, at));
}
std::uint32_t u32(std::string_view d, std::size_t at) {
  return (std::uint32_t(u16(d, at)) << 16) | u16(d, at + 2);
}

void put16(std::string& d, std::size_t at, std::uint16_t v) {
  d[at] = static_cast<char>(v >> 8);
  d[at + 1] = static_cast<char>(v & 0xff);
}
void put32(std::string& d, std::size_t at, std::uint32_t v) {
  put16(d, at, static_cast<std::uint16_t>(v >> 16));
  put16(d, at + 2, static_cast<std::uint16_t>(v & 0xffff));
}
void append16(std::string& d, std::uint16_t v) {
  d += static_cast<char>(v >> 8);
  d += static_cast<char>(v & 0xff);
}
void append32(std::string& d, std::uint32_t v) {
  append16(d, static_cast<std::uint16_t>(v >> 16));
  append16(d, static_cast<std::uint16_t>(v & 0xffff));
}

std::uint32_t checksum(std::string_view d) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < d.size(); i += 4) {
    std::uint32_t word = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      word = (word << 8) | (i + j < d.size() ? static_cast<unsigned char>(d[i + j]) : 0u);
    }
    sum += word;
  }
  return sum;
}

// A simple glyph without its instructions; a composite without its trailing instructions and
// with its component glyph indices located.
TrueTypeFont::Glyph strip_glyph(std::string_view data) {
  TrueTypeFont::Glyph g;
  if (data.empty()) {
    return g;
  }
  const std::int16_t contours = s16(data, 0);
  if (contours >= 0) {
    const std::size_t end_points = 10 + 2 * std::size_t(contours);
    const std::uint16_t instructions = u16(data, end_points);
    g.data.assign(data.substr(0, end_points));
    append16(g.data, 0);
    g.data.append(data.substr(end_points + 2 + instructions));
    return g;
  }
  std::string out(data);
  std::size_t at = 10;
  std::uint16_t flags = 0;
  do {
    flags = u16(out, at);
    put16(out, at, static_cast<std::uint16_t>(flags & ~0x0100));  // no WE_HAVE_INSTRUCTIONS
    g.components.emplace_back(at + 2, u16(out, at + 2));
    at += 4 + ((flags & 0x0001) ? 4 : 2);
    if (flags & 0x0008) {
      at += 2;
    } else if (flags & 0x0040) {
      at += 4;
    } else if (flags & 0x0080) {
      at += 8;
    }
  } while (flags & 0x0020);
  out.resize(at);
  g.data = std::move(out);
  return g;
}

}  // namespace

std::shared_ptr<const TrueTypeFont> TrueTypeFont::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError("cannot read the font file " + path + " (pdf.font / pdf.font_bold)");
  }
  std::ostringstream data;
  data << in.rdbuf();
  return parse(std::move(data).str(), path);
}

std::shared_ptr<const TrueTypeFont> TrueTypeFont::parse(std::string data, const std::string& origin,
                                                        bool require_cmap) {
  std::shared_ptr<TrueTypeFont> font(new TrueTypeFont());
  try {
    const std::string_view d(data);
    const std::uint32_t version = u32(d, 0);
    if (version != 0x00010000 && version != 0x74727565) {
      throw std::runtime_error("not a TrueType font (OpenType/CFF fonts cannot be embedded)");
    }
    const std::uint16_t count = u16(d, 4);
    for (std::uint16_t i = 0; i < count; ++i) {
      const std::size_t rec = 12 + 16 * std::size_t(i);
      const std::uint32_t offset = u32(d, rec + 8), length = u32(d, rec + 12);
      if (std::size_t(offset) + length > d.size()) {
        throw std::runtime_error("table " + std::string(d.substr(rec, 4)) + " is truncated");
      }
      font->tables_[std::string(d.substr(rec, 4))] = std::string(d.substr(offset, length));
    }
    if (require_cmap && !font->tables_.count("cmap")) {
      throw std::runtime_error("no 'cmap' table");
    }
    for (const char* required : {"head", "hhea", "maxp", "hmtx", "loca", "glyf"}) {
      if (!font->tables_.count(required)) {
        throw std::runtime_error(std::string("no '") + required + "' table");
      }
    }
    const std::string_view head = font->tables_["head"], hhea = font->tables_["hhea"];
    font->units_per_em_ = u16(head, 18);
    if (font->units_per_em_ == 0) {
      throw std::runtime_error("unitsPerEm is 0");
    }
    font->x_min_ = s16(head, 36);
    font->y_min_ = s16(head, 38);
    font->x_max_ = s16(head, 40);
    font->y_max_ = s16(head, 42);
    font->bold_ = (u16(head, 44) & 1) != 0;
    const bool long_loca = s16(head, 50) == 1;
    font->ascender_ = s16(hhea, 4);
    font->descender_ = s16(hhea, 6);
    font->cap_height_ = font->ascender_;
    if (auto os2 = font->tables_.find("OS/2");
        os2 != font->tables_.end() && os2->second.size() >= 90 && u16(os2->second, 0) >= 2) {
      font->cap_height_ = s16(os2->second, 88);
    }
    const std::uint16_t glyph_count = u16(font->tables_["maxp"], 4);
    const std::uint16_t metrics = u16(hhea, 34);
    const std::string_view hmtx = font->tables_["hmtx"], loca = font->tables_["loca"], glyf = font->tables_["glyf"];
    font->advances_.resize(glyph_count);
    font->glyphs_.resize(glyph_count);
    for (std::uint16_t g = 0; g < glyph_count; ++g) {
      const std::uint16_t m = std::min<std::uint16_t>(g, static_cast<std::uint16_t>(metrics - 1));
      font->advances_[g] = u16(hmtx, 4 * std::size_t(m));
      const std::int16_t lsb =
          g < metrics ? s16(hmtx, 4 * std::size_t(g) + 2) : s16(hmtx, 4 * std::size_t(metrics) + 2 * (g - metrics));
      const std::uint32_t start = long_loca ? u32(loca, 4 * std::size_t(g)) : 2u * u16(loca, 2 * std::size_t(g));
      const std::uint32_t end = long_loca ? u32(loca, 4 * std::size_t(g) + 4) : 2u * u16(loca, 2 * std::size_t(g) + 2);
      if (end < start || end > glyf.size()) {
        throw std::runtime_error("glyph " + std::to_string(g) + " lies outside the 'glyf' table");
      }
      font->glyphs_[g] = strip_glyph(glyf.substr(start, end - start));
      font->glyphs_[g].lsb = lsb;
    }
    // cmap: the Windows Unicode subtables, full repertoire (3,10) format 12 first, then BMP (3,1)
    // format 4.
    const std::string_view cmap =
        font->tables_.count("cmap") ? std::string_view(font->tables_["cmap"]) : std::string_view("\0\0\0\0", 4);
    std::size_t format4 = 0, format12 = 0;
    for (std::uint16_t i = 0, n = u16(cmap, 2); i < n; ++i) {
      const std::uint16_t platform = u16(cmap, 4 + 8 * std::size_t(i)), encoding = u16(cmap, 6 + 8 * std::size_t(i));
      const std::uint32_t offset = u32(cmap, 8 + 8 * std::size_t(i));
      if ((platform == 3 && encoding == 10) || (platform == 0 && encoding >= 4)) {
        if (u16(cmap, offset) == 12)
          format12 = offset;
      } else if ((platform == 3 && encoding == 1) || platform == 0) {
        if (u16(cmap, offset) == 4)
          format4 = offset;
      }
    }
    font->bmp_.assign(0x10000, 0);
    if (format12) {
      for (std::uint32_t i = 0, n = u32(cmap, format12 + 12); i < n; ++i) {
        const std::size_t rec = format12 + 16 + 12 * std::size_t(i);
        const std::uint32_t first = u32(cmap, rec), last = u32(cmap, rec + 4), start = u32(cmap, rec + 8);
        for (std::uint32_t c = first; c <= last && c <= 0x10ffff; ++c) {
          const auto g = static_cast<std::uint16_t>(start + (c - first));
          if (c < 0x10000) {
            font->bmp_[c] = g;
          } else {
            font->supplementary_[c] = g;
          }
        }
      }
    } else if (format4) {
      const std::size_t segs = u16(cmap, format4 + 6) / 2;
      const std::size_t ends = format4 + 14, starts = ends + 2 * segs + 2, deltas = starts + 2 * segs,
                        ranges = deltas + 2 * segs;
      for (std::size_t s = 0; s < segs; ++s) {
        const std::uint16_t end = u16(cmap, ends + 2 * s), start = u16(cmap, starts + 2 * s);
        const std::uint16_t delta = u16(cmap, deltas + 2 * s), range = u16(cmap, ranges + 2 * s);
        for (std::uint32_t c = start; c <= end && c < 0xffff; ++c) {
          std::uint16_t g = 0;
          if (range == 0) {
            g = static_cast<std::uint16_t>(c + delta);
          } else {
            const std::size_t at = ranges + 2 * s + range + 2 * (c - start);
            g = u16(cmap, at);
            if (g != 0)
              g = static_cast<std::uint16_t>(g + delta);
          }
          font->bmp_[c] = g;
        }
      }
    } else if (require_cmap) {
      throw std::runtime_error("no Unicode 'cmap' subtable");
    }
    // PostScript name (name ID 6), for BaseFont.
    if (auto name = font->tables_.find("name"); name != font->tables_.end()) {
      const std::string_view n = name->second;
      const std::size_t strings = u16(n, 4);
      for (std::uint16_t i = 0, c = u16(n, 2); i < c && font->postscript_name_.empty(); ++i) {
        const std::size_t rec = 6 + 12 * std::size_t(i);
        if (u16(n, rec + 6) != 6)
          continue;
        const std::string_view raw = n.substr(strings + u16(n, rec + 10), u16(n, rec + 8));
        const bool utf16 = u16(n, rec) == 3 || u16(n, rec) == 0;
        for (std::size_t j = utf16 ? 1 : 0; j < raw.size(); j += utf16 ? 2 : 1) {
          const char ch = raw[j];
          if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-') {
            font->postscript_name_ += ch;
          }
        }
      }
    }
    if (font->postscript_name_.empty()) {
      font->postscript_name_ = "Font";
    }
  } catch (const Fatal&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError("the font file " + origin + " cannot be embedded: " + e.what());
  }
  font->tables_.erase("glyf");  // kept per glyph, stripped of hinting
  font->tables_.erase("loca");
  return font;
}

std::uint16_t TrueTypeFont::glyph(char32_t c) const {
  if (c < 0x10000) {
    return bmp_[c];
  }
  const auto it = supplementary_.find(c);
  return it == supplementary_.end() ? 0 : it->second;
}

double TrueTypeFont::advance(std::uint16_t g) const {
  return g < advances_.size() ? advances_[g] * 1000.0 / units_per_em_ : 0.0;
}

const std::string& TrueTypeFont::table(const std::string& tag) const {
  return tables_.at(tag);
}

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc >> 6) == 2;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
               (cp >= 0xd800 && cp <= 0xdfff))) {
      ok = false;
    }
    if (ok) {
      out += cp;
      i += len;
    } else {
      out += U'\uFFFD';
      ++i;
    }
  }
  return out;
}

std::shared_ptr<const FontSubset::Base> FontSubset::make_base(const TrueTypeFont& font,
                                                              std::u32string_view characters) {
  auto base = std::make_shared<Base>();
  base->codes.assign(0x10000, 0);
  for (const char32_t c : characters) {
    if (c >= 0x10000 || c < 0x20 || base->codes[c] != 0)
      continue;
    std::uint16_t g = font.glyph(c);
    if (g == 0)
      g = font.glyph(U'\uFFFD');
    base->used.emplace_back(c, g);
    base->codes[c] = static_cast<std::uint16_t>(base->used.size());
  }
  return base;
}

FontSubset::FontSubset(std::shared_ptr<const TrueTypeFont> font, std::shared_ptr<const Base> base)
    : font_(std::move(font)), base_(std::move(base)) {}

std::uint16_t FontSubset::code(char32_t c) {
  if (c < 0x20) {
    c = U' ';
  }
  if (base_ && c < 0x10000 && base_->codes[c] != 0) {
    return base_->codes[c];
  }
  auto it = codes_.find(c);
  if (it == codes_.end()) {
    std::uint16_t g = font_->glyph(c);
    if (g == 0) {
      g = font_->glyph(U'\uFFFD');
    }
    const std::size_t first = base_ ? base_->used.size() : 0;
    if (first + used_.size() >= 0xfffe) {
      throw std::length_error("too many distinct characters in one document");
    }
    used_.emplace_back(c, g);
    it = codes_.emplace(c, static_cast<std::uint16_t>(first + used_.size())).first;
  }
  return it->second;
}

std::string FontSubset::encode(std::string_view text) {
  std::string out;
  for (const char32_t c : decode_utf8(text)) {
    const std::uint16_t k = code(c);
    out += static_cast<char>(k >> 8);
    out += static_cast<char>(k & 0xff);
  }
  return out;
}

double FontSubset::width(std::string_view text, double size) const {
  double w = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    char32_t c = b;
    if (b >= 0x80) {  // multi-byte: decode this character only (rare in French text)
      std::size_t len = 1;
      while (i + len < text.size() && (static_cast<unsigned char>(text[i + len]) & 0xc0) == 0x80)
        ++len;
      const std::u32string one = decode_utf8(text.substr(i, len));
      c = one.empty() ? U'\uFFFD' : one[0];
      i += len - 1;
    }
    std::uint16_t g = font_->glyph(c < 0x20 ? U' ' : c);
    w += font_->advance(g == 0 ? font_->glyph(U'\uFFFD') : g);
  }
  return w * size / 1000.0;
}

FontSubset::Built FontSubset::build() const {
  Built b;
  std::vector<std::pair<char32_t, std::uint16_t>> all;
  if (base_)
    all = base_->used;
  all.insert(all.end(), used_.begin(), used_.end());
  const auto& used_all = all;
  // Subset glyphs: .notdef, one per character used, then the components composites refer to.
  std::vector<std::uint16_t> order{0};
  for (const auto& [c, g] : used_all) {
    order.push_back(g);
  }
  std::map<std::uint16_t, std::uint16_t> component_index;  // original -> subset, for components
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (const auto& [at, original] : font_->glyph_data(order[i]).components) {
      (void)at;
      if (!component_index.count(original)) {
        component_index[original] = static_cast<std::uint16_t>(order.size());
        order.push_back(original);
      }
    }
  }
  std::string glyf, loca, hmtx;
  for (const std::uint16_t g : order) {
    const auto& glyph = font_->glyph_data(g);
    append32(loca, static_cast<std::uint32_t>(glyf.size()));
    std::string data = glyph.data;
    for (const auto& [at, original] : glyph.components) {
      put16(data, at, component_index.at(original));
    }
    glyf += data;
    glyf.append((4 - glyf.size() % 4) % 4, '\0');
    append16(hmtx, font_->advance_units(g));
    append16(hmtx, static_cast<std::uint16_t>(glyph.lsb));
  }
  append32(loca, static_cast<std::uint32_t>(glyf.size()));
  const auto n = static_cast<std::uint16_t>(order.size());
  std::string head = font_->table("head"), hhea = font_->table("hhea"), maxp = font_->table("maxp");
  put32(head, 8, 0);   // checkSumAdjustment, set below
  put16(head, 50, 1);  // long loca
  put16(hhea, 34, n);  // numberOfHMetrics
  put16(maxp, 4, n);   // numGlyphs
  std::string post(32, '\0');
  put32(post, 0, 0x00030000);  // format 3: no glyph names
  const std::array<std::pair<const char*, const std::string*>, 7> tables{{{"glyf", &glyf},
                                                                          {"head", &head},
                                                                          {"hhea", &hhea},
                                                                          {"hmtx", &hmtx},
                                                                          {"loca", &loca},
                                                                          {"maxp", &maxp},
                                                                          {"post", &post}}};
  std::string& file = b.font_file;
  append32(file, 0x00010000);
  append16(file, static_cast<std::uint16_t>(tables.size()));
  append16(file, 64);  // searchRange for 7 tables: 4 * 16
  append16(file, 2);   // entrySelector: log2(4)
  append16(file, static_cast<std::uint16_t>(tables.size() * 16 - 64));
  std::size_t offset = 12 + 16 * tables.size();
  for (const auto& [tag, data] : tables) {
    file += tag;
    append32(file, checksum(*data));
    append32(file, static_cast<std::uint32_t>(offset));
    append32(file, static_cast<std::uint32_t>(data->size()));
    offset += (data->size() + 3) / 4 * 4;
  }
  std::size_t head_at = 0;
  for (const auto& [tag, data] : tables) {
    if (std::string_view(tag) == "head")
      head_at = file.size();
    file += *data;
    file.append((4 - file.size() % 4) % 4, '\0');
  }
  put32(file, head_at + 8, 0xB1B0AFBAu - checksum(file));

  // Widths and ToUnicode, per code (= subset glyph) 1..n.
  std::ostringstream cmap;
  cmap << "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
          "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
          "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
          "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  char hex[32];
  std::uint32_t tag_hash = 2166136261u;
  for (std::size_t i = 0; i < used_all.size(); i += 100) {
    const std::size_t count = std::min<std::size_t>(100, used_all.size() - i);
    cmap << count << " beginbfchar\n";
    for (std::size_t k = i; k < i + count; ++k) {
      char32_t c = used_all[k].first;
      if (c >= 0x10000) {
        const char32_t v = c - 0x10000;
        std::snprintf(hex, sizeof hex, "<%04X> <%04X%04X>\n", unsigned(k + 1), unsigned(0xd800 + (v >> 10)),
                      unsigned(0xdc00 + (v & 0x3ff)));
      } else {
        std::snprintf(hex, sizeof hex, "<%04X> <%04X>\n", unsigned(k + 1), unsigned(c));
      }
      cmap << hex;
      tag_hash = (tag_hash ^ static_cast<std::uint32_t>(c)) * 16777619u;
    }
    cmap << "endbfchar\n";
  }
  cmap << "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
  b.to_unicode = std::move(cmap).str();
  for (const auto& [c, g] : used_all) {
    (void)c;
    b.widths.push_back(static_cast<int>(font_->advance(g) + 0.5));
  }
  // Subset tag: six capitals derived from the characters (ISO 32000-1 9.6.4), so that the same
  // content always gives the same bytes.
  std::string tag;
  for (int i = 0; i < 6; ++i) {
    tag += static_cast<char>('A' + tag_hash % 26);
    tag_hash /= 26;
  }
  b.base_font = tag + "+" + font_->postscript_name();
  return b;
}

}  // namespace imuse::pdf
