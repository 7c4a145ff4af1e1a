#include "cli/output.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace imuse::cli {

namespace {

// Display width of UTF-8 text (counts code points, enough for French text).
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void pad(std::ostream& out, const std::string& s, std::size_t w) {
  out << s;
  for (std::size_t i = width(s); i < w; ++i) {
    out << ' ';
  }
}

nlohmann::json to_json(const Cell& cell) {
  if (const auto* s = std::get_if<std::string>(&cell)) {
    return *s;
  }
  if (const auto* i = std::get_if<std::int64_t>(&cell)) {
    return *i;
  }
  if (const auto* b = std::get_if<bool>(&cell)) {
    return *b;
  }
  return nullptr;
}

}  // namespace

void print_text(std::ostream& out, const Report& report, bool quiet) {
  if (!quiet) {
    for (const auto& m : report.messages) {
      out << m << '\n';
    }
  }
  if (!report.details.empty()) {
    std::size_t w = 0;
    for (const auto& [key, value] : report.details) {
      w = std::max(w, width(key));
    }
    for (const auto& [key, value] : report.details) {
      pad(out, key + ":", w + 2);
      out << cell_text(value) << '\n';
    }
  }
  if (report.table) {
    const auto& t = *report.table;
    std::vector<std::size_t> w(t.columns.size());
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      w[c] = width(t.columns[c]);
      for (const auto& row : t.rows) {
        w[c] = std::max(w[c], width(cell_text(row[c])));
      }
    }
    auto line = [&](const std::vector<std::string>& cells) {
      for (std::size_t c = 0; c < cells.size(); ++c) {
        if (c + 1 == cells.size()) {
          out << cells[c];
        } else {
          pad(out, cells[c], w[c] + 2);
        }
      }
      out << '\n';
    };
    std::vector<std::string> header;
    for (const auto& c : t.columns) {
      std::string upper = c;
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) {
        return static_cast<char>(ch == '_' ? ' ' : std::toupper(ch));
      });
      header.push_back(upper);
    }
    line(header);
    for (const auto& row : t.rows) {
      std::vector<std::string> cells;
      for (const auto& cell : row) {
        cells.push_back(cell_text(cell));
      }
      line(cells);
    }
  }
  for (const auto& p : report.rejected) {
    out << "rejected: " << p.item << ": " << p.message << '\n';
  }
  if (!quiet && !report.counts.empty()) {
    std::string sep;
    for (const auto& [name, value] : report.counts) {
      out << sep << name << ": " << value;
      sep = ", ";
    }
    out << '\n';
  }
  if (!quiet && report.dry_run) {
    out << "dry run: nothing was written\n";
  }
}

void print_json(std::ostream& out, const Report& report) {
  nlohmann::json j;
  j["command"] = report.command;
  j["dry_run"] = report.dry_run;
  j["exit_code"] = report.exit_code();
  j["counts"] = nlohmann::json::object();
  for (const auto& [name, value] : report.counts) {
    j["counts"][name] = value;
  }
  if (!report.details.empty()) {
    j["details"] = nlohmann::json::object();
    for (const auto& [key, value] : report.details) {
      j["details"][key] = to_json(value);
    }
  }
  if (report.table) {
    j["rows"] = nlohmann::json::array();
    for (const auto& row : report.table->rows) {
      nlohmann::json r = nlohmann::json::object();
      for (std::size_t c = 0; c < row.size(); ++c) {
        r[report.table->columns[c]] = to_json(row[c]);
      }
      j["rows"].push_back(std::move(r));
    }
  }
  j["rejected"] = nlohmann::json::array();
  for (const auto& p : report.rejected) {
    j["rejected"].push_back({{"item", p.item}, {"message", p.message}});
  }
  j["warnings"] = report.warnings;
  j["messages"] = report.messages;
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace imuse::cli
