#include "pdf/document.hpp"

#include <podofo/podofo.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>

#include "util/error.hpp"

namespace imuse::pdf {

namespace {

using namespace PoDoFo;

// Flate at zlib's level 1: on an invoice's pages it makes files ~5 % larger than level 6 and
// costs half the time.
std::string deflate(std::string_view in) {
  uLongf size = compressBound(static_cast<uLong>(in.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(in.data()),
                static_cast<uLong>(in.size()), 1) != Z_OK) {
    throw std::runtime_error("zlib compress2 failed");
  }
  out.resize(size);
  return out;
}

// Sets a stream's bytes, already Flate-compressed.
void set_raw_stream(PdfObject* object, std::string_view packed) {
  PdfMemoryInputStream in(packed.data(), static_cast<pdf_long>(packed.size()));
  object->GetStream()->SetRawData(&in, static_cast<pdf_long>(packed.size()));
  object->GetDictionary().AddKey(PdfName("Filter"), PdfName("FlateDecode"));
}

// Sets a stream's bytes, Flate-compressed here rather than by PoDoFo's filter (one copy less,
// and the level is ours).
void set_stream(PdfObject* object, std::string_view data) {
  set_raw_stream(object, deflate(data));
}

// An integer object (a bare pdf_int64 argument of AddKey converts to the wrong PdfObject).
PdfObject integer(long long v) {
  return PdfObject(PdfVariant(static_cast<pdf_int64>(v)));
}

PdfString utf8(const std::string& s) {
  return PdfString(reinterpret_cast<const pdf_utf8*>(s.c_str()));
}

std::string pdf_date(std::int64_t epoch) {
  const std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "D:%Y%m%d%H%M%SZ", &tm);
  return buf;
}

// A coordinate with at most two decimals ("12.5", "-3", "0.04"), without printf's cost.
std::string number(double v) {
  long long h = std::llround(v * 100);
  std::string s;
  if (h < 0) {
    s += '-';
    h = -h;
  }
  s += std::to_string(h / 100);
  const int frac = static_cast<int>(h % 100);
  if (frac != 0) {
    s += '.';
    s += static_cast<char>('0' + frac / 10);
    if (frac % 10 != 0)
      s += static_cast<char>('0' + frac % 10);
  }
  return s;
}

// The embedded objects of one font subset; returns the Type0 font object.
PdfObject* add_font(PdfVecObjects& objects, const PreparedFont& b, const TrueTypeFont& f) {
  PdfObject* file = objects.CreateObject();
  file->GetDictionary().AddKey(PdfName("Length1"), integer(static_cast<long long>(b.file_length)));
  set_raw_stream(file, b.file);

  PdfObject* descriptor = objects.CreateObject("FontDescriptor");
  PdfDictionary& d = descriptor->GetDictionary();
  d.AddKey(PdfName("FontName"), PdfName(b.base_font));
  d.AddKey(PdfName("Flags"), integer(32));  // nonsymbolic
  PdfArray bbox;
  for (const int v : f.bbox())
    bbox.push_back(integer(v));
  d.AddKey(PdfName("FontBBox"), bbox);
  d.AddKey(PdfName("ItalicAngle"), integer(0));
  d.AddKey(PdfName("Ascent"), integer(f.ascent()));
  d.AddKey(PdfName("Descent"), integer(f.descent()));
  d.AddKey(PdfName("CapHeight"), integer(f.cap_height()));
  d.AddKey(PdfName("StemV"), integer(f.bold() ? 140 : 80));
  d.AddKey(PdfName("FontFile2"), file->Reference());

  PdfObject* cid = objects.CreateObject("Font");
  PdfDictionary& c = cid->GetDictionary();
  c.AddKey(PdfName("Subtype"), PdfName("CIDFontType2"));
  c.AddKey(PdfName("BaseFont"), PdfName(b.base_font));
  PdfDictionary info;
  info.AddKey(PdfName("Registry"), PdfString("Adobe"));
  info.AddKey(PdfName("Ordering"), PdfString("Identity"));
  info.AddKey(PdfName("Supplement"), integer(0));
  c.AddKey(PdfName("CIDSystemInfo"), info);
  c.AddKey(PdfName("FontDescriptor"), descriptor->Reference());
  c.AddKey(PdfName("CIDToGIDMap"), PdfName("Identity"));
  // The widths array written as text once, not as hundreds of PdfVariants.
  std::string widths = "[1 [";
  for (const int w : b.widths) {
    widths += std::to_string(w);
    widths += ' ';
  }
  widths += "]]";
  c.AddKey(PdfName("W"), PdfObject(PdfVariant(PdfData(widths.c_str()))));

  PdfObject* to_unicode = objects.CreateObject();
  set_raw_stream(to_unicode, b.to_unicode);

  PdfObject* type0 = objects.CreateObject("Font");
  PdfDictionary& t = type0->GetDictionary();
  t.AddKey(PdfName("Subtype"), PdfName("Type0"));
  t.AddKey(PdfName("BaseFont"), PdfName(b.base_font));
  t.AddKey(PdfName("Encoding"), PdfName("Identity-H"));
  PdfArray descendants;
  descendants.push_back(cid->Reference());
  t.AddKey(PdfName("DescendantFonts"), descendants);
  t.AddKey(PdfName("ToUnicode"), to_unicode->Reference());
  return type0;
}

// A new PoDoFo document. Its constructor stamps a creation date with localtime(), which is not
// thread-safe: documents are created one at a time (the date is replaced in finish()).
std::unique_ptr<PdfMemDocument> new_document() {
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
  return std::make_unique<PdfMemDocument>();
}

// The logo decoded once per thread by PoDoFo (PNG, with its alpha channel as a soft mask) in a
// document of its own; each invoice gets a copy of the encoded image objects.
struct LogoTemplate {
  const Assets* owner = nullptr;
  std::unique_ptr<PdfMemDocument> document;
  PdfObject* image = nullptr;
  double width = 0, height = 0;
};

LogoTemplate& logo_template(const Assets& assets) {
  thread_local LogoTemplate t;
  if (t.owner != &assets) {
    t = LogoTemplate{};
    t.document = new_document();
    PdfImage image(t.document.get());
    try {
      image.LoadFromPngData(reinterpret_cast<const unsigned char*>(assets.logo_png.data()),
                            static_cast<pdf_long>(assets.logo_png.size()));
    } catch (const PdfError& e) {
      throw ConfigError("school.logo " + assets.logo_origin + " cannot be read as a PNG image (" +
                        PdfError::ErrorMessage(e.GetError()) + ")");
    }
    t.image = image.GetObject();
    t.width = image.GetWidth();
    t.height = image.GetHeight();
    t.owner = &assets;
  }
  return t;
}

PdfObject* copy_stream_object(PdfVecObjects& objects, const PdfObject* source) {
  PdfObject* copy = objects.CreateObject();
  copy->GetDictionary() = source->GetDictionary();
  copy->GetDictionary().RemoveKey(PdfName("Length"));
  copy->GetDictionary().RemoveKey(PdfName("SMask"));
  char* raw = nullptr;
  pdf_long length = 0;
  const_cast<PdfObject*>(source)->GetStream()->GetCopy(&raw, &length);  // encoded bytes, as stored
  PdfMemoryInputStream in(raw, length);
  copy->GetStream()->SetRawData(&in, length);
  podofo_free(raw);
  // SetRawData removes the filter keys: put them back as the source has them.
  for (const char* key : {"Filter", "DecodeParms"}) {
    if (source->GetDictionary().HasKey(key)) {
      copy->GetDictionary().AddKey(PdfName(key), *source->GetDictionary().GetKey(key));
    }
  }
  return copy;
}

}  // namespace

PreparedFont prepare_font(const FontSubset& subset) {
  FontSubset::Built b = subset.build();
  PreparedFont p;
  p.file = deflate(b.font_file);
  p.file_length = b.font_file.size();
  p.to_unicode = deflate(b.to_unicode);
  p.widths = std::move(b.widths);
  p.base_font = std::move(b.base_font);
  return p;
}

const std::u32string& base_repertoire() {
  static const std::u32string chars = [] {
    std::u32string s;
    for (char32_t c = 0x20; c < 0x7f; ++c)
      s += c;
    s += U"àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»°€’‘“”–—…·\u00a0"
         U"áíóúñãõåøßìòÁÍÓÚÑÃÕÅØ";
    return s;
  }();
  return chars;
}

std::shared_ptr<const Assets> Assets::load(const std::string& font, const std::string& font_bold,
                                           const std::string& logo) {
  auto a = std::make_shared<Assets>();
  a->regular = TrueTypeFont::load(font);
  a->bold = TrueTypeFont::load(font_bold);
  a->regular_codes = FontSubset::make_base(*a->regular, base_repertoire());
  a->bold_codes = FontSubset::make_base(*a->bold, base_repertoire());
  a->regular_base = prepare_font(FontSubset(a->regular, a->regular_codes));
  a->bold_base = prepare_font(FontSubset(a->bold, a->bold_codes));
  if (!logo.empty()) {
    std::ifstream in(logo, std::ios::binary);
    std::ostringstream data;
    if (!in || !(data << in.rdbuf())) {
      throw ConfigError("cannot read the logo " + logo + " (school.logo)");
    }
    a->logo_png = std::move(data).str();
    a->logo_origin = logo;
    if (a->logo_png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
      throw ConfigError("the logo " + logo + " (school.logo) is not a PNG image");
    }
  }
  return a;
}

std::int64_t document_epoch(std::int64_t now) {
  if (const char* e = std::getenv("SOURCE_DATE_EPOCH"); e != nullptr && *e != '\0') {
    char* end = nullptr;
    const long long v = std::strtoll(e, &end, 10);
    if (end != nullptr && *end == '\0' && v >= 0) {
      return v;
    }
  }
  return now;
}

Canvas::Canvas(std::shared_ptr<const Assets> assets)
    : assets_(std::move(assets)),
      regular_(assets_->regular, assets_->regular_codes),
      bold_(assets_->bold, assets_->bold_codes) {}

Canvas::~Canvas() = default;

void Canvas::new_page() {
  pages_.emplace_back();
  pages_.back().reserve(8192);
  current_ = pages_.size() - 1;
}

void Canvas::text(double x, double y, std::string_view s, double size, Face face, Align align) {
  if (s.empty()) {
    return;
  }
  if (align != Align::left) {
    const double w = width(s, size, face);
    x -= align == Align::right ? w : w / 2;
  }
  FontSubset& font = face == Face::bold ? bold_ : regular_;
  const std::string codes = font.encode(s);
  std::string& out = pages_.at(current_);
  out += "BT /";
  out += face == Face::bold ? "F2 " : "F1 ";
  out += number(size) + " Tf " + number(x) + " " + number(y) + " Td <";
  static const char* hex = "0123456789ABCDEF";
  for (const char ch : codes) {
    const auto b = static_cast<unsigned char>(ch);
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  out += "> Tj ET\n";
}

double Canvas::width(std::string_view s, double size, Face face) const {
  return (face == Face::bold ? bold_ : regular_).width(s, size);
}

std::vector<std::string> Canvas::wrap(std::string_view s, double size, double max_width, Face face) const {
  std::vector<std::string> lines;
  std::string current;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = s.find(' ', i);
    if (j == std::string_view::npos)
      j = s.size();
    std::string word(s.substr(i, j - i));
    i = j + 1;
    const std::string candidate = current.empty() ? word : current + " " + word;
    if (width(candidate, size, face) <= max_width || current.empty()) {
      current = candidate;
    } else {
      lines.push_back(current);
      current = word;
    }
    // A single word wider than the line: cut it at a character boundary.
    while (width(current, size, face) > max_width && current.size() > 1) {
      std::size_t cut = current.size() - 1;
      while (cut > 1 && (static_cast<unsigned char>(current[cut]) & 0xc0) == 0x80)
        --cut;
      std::size_t fit = cut;
      while (fit > 1 && width(current.substr(0, fit), size, face) > max_width) {
        --fit;
        while (fit > 1 && (static_cast<unsigned char>(current[fit]) & 0xc0) == 0x80)
          --fit;
      }
      lines.push_back(current.substr(0, fit));
      current = current.substr(fit);
    }
  }
  if (!current.empty() || lines.empty()) {
    lines.push_back(current);
  }
  return lines;
}

void Canvas::fill_color(double r, double g, double b) {
  pages_.at(current_) += number(r) + " " + number(g) + " " + number(b) + " rg\n";
}

void Canvas::line(double x1, double y1, double x2, double y2, double w, double gray) {
  pages_.at(current_) += number(gray) + " G " + number(w) + " w " + number(x1) + " " + number(y1) + " m " + number(x2) +
                         " " + number(y2) + " l S\n";
}

void Canvas::rect(double x, double y, double w, double h, double fill_gray) {
  pages_.at(current_) +=
      "q " + number(fill_gray) + " g " + number(x) + " " + number(y) + " " + number(w) + " " + number(h) + " re f Q\n";
}

void Canvas::stroke_rect(double x, double y, double w, double h, double lw, double gray) {
  pages_.at(current_) += number(gray) + " G " + number(lw) + " w " + number(x) + " " + number(y) + " " + number(w) +
                         " " + number(h) + " re S\n";
}

bool Canvas::logo(double x, double y_top, double max_w, double max_h) {
  if (assets_->logo_png.empty()) {
    return false;
  }
  const LogoTemplate& t = logo_template(*assets_);
  const double scale = std::min(max_w / t.width, max_h / t.height);
  const double w = t.width * scale, h = t.height * scale;
  pages_.at(current_) +=
      "q " + number(w) + " 0 0 " + number(h) + " " + number(x) + " " + number(y_top - h) + " cm /Im1 Do Q\n";
  logo_used_ = true;
  return true;
}

void Canvas::raw(std::string_view operators) {
  pages_.at(current_) += operators;
  pages_.at(current_) += '\n';
}

std::string Canvas::finish(const DocumentInfo& info) {
  const std::unique_ptr<PdfMemDocument> document = new_document();
  PdfMemDocument& doc = *document;
  PdfVecObjects& objects = doc.GetObjects();
  PdfDictionary fonts;
  const auto font = [&](const FontSubset& subset, const PreparedFont& base) {
    return subset.only_base() ? add_font(objects, base, subset.font())
                              : add_font(objects, prepare_font(subset), subset.font());
  };
  fonts.AddKey(PdfName("F1"), font(regular_, assets_->regular_base)->Reference());
  fonts.AddKey(PdfName("F2"), font(bold_, assets_->bold_base)->Reference());
  PdfDictionary xobjects;
  if (logo_used_) {
    const LogoTemplate& t = logo_template(*assets_);
    PdfObject* image = copy_stream_object(objects, t.image);
    if (const PdfObject* mask = t.image->GetDictionary().GetKey("SMask")) {
      const PdfObject* source = t.document->GetObjects().GetObject(mask->GetReference());
      image->GetDictionary().AddKey(PdfName("SMask"), copy_stream_object(objects, source)->Reference());
    }
    xobjects.AddKey(PdfName("Im1"), image->Reference());
  }
  for (const std::string& content : pages_) {
    PdfPage* page = doc.CreatePage(PdfRect(0, 0, kPageWidth, kPageHeight));
    set_stream(page->GetContents(), content);
    PdfDictionary& resources = page->GetResources()->GetDictionary();
    resources.AddKey(PdfName("Font"), fonts);
    if (logo_used_)
      resources.AddKey(PdfName("XObject"), xobjects);
  }
  PdfInfo* meta = doc.GetInfo();
  meta->SetTitle(utf8(info.title));
  meta->SetAuthor(utf8(info.author));
  if (!info.subject.empty())
    meta->SetSubject(utf8(info.subject));
  meta->SetCreator(PdfString("imuse-admin"));
  PdfDictionary& dict = meta->GetObject()->GetDictionary();
  dict.AddKey(PdfName("CreationDate"), PdfString(pdf_date(info.epoch)));
  dict.AddKey(PdfName("ModDate"), PdfString(pdf_date(info.epoch)));

  PdfRefCountedBuffer buffer(64 * 1024);
  PdfOutputDevice device(&buffer);
  doc.Write(&device);
  std::string out(buffer.GetBuffer(), device.GetLength());

  // The trailer's /ID: PoDoFo derives it from the Info dictionary only. Replace both halves,
  // in place (same length, so the cross-reference offsets stay right), with a digest of the
  // whole file: the same content always gives the same ID, different content a different one.
  const std::size_t trailer = out.rfind("trailer");
  const std::size_t id = trailer == std::string::npos ? trailer : out.find("/ID", trailer);
  if (id != std::string::npos) {
    const std::size_t open1 = out.find('<', id), close1 = out.find('>', open1);
    const std::size_t open2 = out.find('<', close1), close2 = out.find('>', open2);
    if (close2 != std::string::npos && close1 - open1 == close2 - open2) {
      std::uint64_t h1 = 1469598103934665603ull, h2 = 0x9e3779b97f4a7c15ull;
      for (std::size_t i = 0; i < trailer; ++i) {
        const auto b = static_cast<unsigned char>(out[i]);
        h1 = (h1 ^ b) * 1099511628211ull;
        h2 = (h2 + b) * 0xff51afd7ed558ccdull;
        h2 ^= h2 >> 29;
      }
      char hex[40];
      std::snprintf(hex, sizeof hex, "%016llX%016llX", static_cast<unsigned long long>(h1),
                    static_cast<unsigned long long>(h2));
      const std::size_t len = close1 - open1 - 1;
      for (std::size_t i = 0; i < len; ++i) {
        out[open1 + 1 + i] = out[open2 + 1 + i] = hex[i % 32];
      }
    }
  }
  return out;
}

}  // namespace imuse::pdf
