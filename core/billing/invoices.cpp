#include "billing/invoices.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "billing/compute.hpp"
#include "billing/tariffs.hpp"
#include "db/copy.hpp"
#include "db/cursor.hpp"
#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/output_file.hpp"
#include "util/money.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

const std::string kDash = " \xE2\x80\x94 ";  // " — "

// Everything one family brings to a billing run.
struct FamilyInput {
  FamilyFacts facts;
  bool found = false;  // its 'F' row was read
  std::int64_t site_id = 0;
  std::string ref;
  std::string name;
  std::vector<EnrolmentFacts> enrolments;
  std::vector<RentalFacts> rentals;
  std::map<std::string, std::vector<BilledKey>> billed;  // by ledger
};

std::optional<Date> date_of(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : parse_date(f.c_str());
}

std::string text_of(const pqxx::field& f) {
  return f.is_null() ? std::string() : std::string(f.c_str());
}

std::optional<std::int64_t> id_of(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::int64_t>(f.as<std::int64_t>());
}

// One query, ordered by family: family rows (F), enrolments not withdrawn (E), rentals (R) and
// what issued invoices bill per key net of their credit notes (B). Every column is text.
const char* const kReadQuery = R"SQL(
SELECT f.id AS family_id, 'F' AS tag, f.site_id::text AS c1, f.family_quotient::text AS c2,
       f.resident::text AS c3, f.postal_code AS c4, f.city AS c5, f.payment_schedule::text AS c6,
       COALESCE(f.external_ref, '#' || f.id::text) AS c7,
       f.last_name || COALESCE(' ' || f.first_name, '') AS c8, NULL::text AS c9
FROM families f WHERE f.site_id = ANY($2::int[])
UNION ALL
SELECT st.family_id, 'E', st.id::text, st.first_name || ' ' || st.last_name, st.birth_date::text,
       c.id::text, c.name, c.tariff_category, c.department, NULL, NULL
FROM enrolments e
JOIN students st ON st.id = e.student_id
JOIN families f ON f.id = st.family_id
JOIN courses c ON c.id = e.course_id
WHERE e.school_year = $1 AND e.withdrawn_on IS NULL AND f.site_id = ANY($2::int[]) AND $3 <> 'rental'
UNION ALL
SELECT r.family_id, 'R', r.id::text, r.student_id::text, st.first_name || ' ' || st.last_name, r.label,
       r.tariff_code, r.period, r.quantity::text, r.starts_on::text, r.ends_on::text
FROM rentals r
JOIN families f ON f.id = r.family_id
LEFT JOIN students st ON st.id = r.student_id
WHERE r.school_year = $1 AND f.site_id = ANY($2::int[]) AND $3 <> 'tuition'
UNION ALL
SELECT i.family_id, 'B', i.ledger, t.id::text, t.site_id::text, l.line_key,
       sum(CASE WHEN i.kind = 'invoice' THEN l.amount_cents ELSE -l.amount_cents END)::text,
       COALESCE(max(l.label) FILTER (WHERE i.kind = 'invoice'), max(l.label)),
       max(l.student_id)::text, max(l.course_id)::text, max(l.rental_id)::text
FROM invoices i
JOIN invoices t ON t.id = COALESCE(i.corrects_invoice_id, i.id)
JOIN invoice_lines l ON l.invoice_id = i.id
WHERE i.school_year = $1 AND i.state = 'issued' AND t.state = 'issued' AND l.line_key IS NOT NULL
  AND i.site_id = ANY($2::int[]) AND ($3 = '' OR i.ledger = $3)
GROUP BY i.family_id, i.ledger, t.id, t.site_id, l.line_key
ORDER BY 1, 2
)SQL";

void add_row(FamilyInput& in, const pqxx::row& row) {
  const char tag = row[1].c_str()[0];
  if (tag == 'F') {
    in.found = true;
    in.facts.id = row[0].as<std::int64_t>();
    in.site_id = row[2].as<std::int64_t>();
    if (!row[3].is_null()) {
      in.facts.quotient = row[3].as<int>();
    }
    if (!row[4].is_null()) {
      in.facts.resident = std::string(row[4].c_str()) == "true";
    }
    in.facts.postal_code = text_of(row[5]);
    in.facts.city = text_of(row[6]);
    in.facts.schedule = row[7].as<int>();
    in.ref = text_of(row[8]);
    in.name = text_of(row[9]);
  } else if (tag == 'E') {
    EnrolmentFacts e;
    e.student_id = row[2].as<std::int64_t>();
    e.student_name = text_of(row[3]);
    e.birth_date = date_of(row[4]).value_or(Date{});
    e.course_id = row[5].as<std::int64_t>();
    e.course_name = text_of(row[6]);
    e.tariff_category = text_of(row[7]);
    e.department = text_of(row[8]);
    in.enrolments.push_back(std::move(e));
  } else if (tag == 'R') {
    RentalFacts r;
    r.id = row[2].as<std::int64_t>();
    r.student_id = id_of(row[3]);
    r.student_name = text_of(row[4]);
    r.label = text_of(row[5]);
    r.tariff_code = text_of(row[6]);
    r.per_term = text_of(row[7]) == "term";
    r.quantity = row[8].as<int>();
    r.starts_on = date_of(row[9]);
    r.ends_on = date_of(row[10]);
    in.rentals.push_back(std::move(r));
  } else if (tag == 'B') {
    BilledKey b;
    b.invoice_id = row[3].as<std::int64_t>();
    b.site_id = row[4].as<std::int64_t>();
    b.line.key = text_of(row[5]);
    b.net = row[6].as<std::int64_t>();
    b.line.label = text_of(row[7]);
    b.line.student_id = id_of(row[8]);
    b.line.course_id = id_of(row[9]);
    b.line.rental_id = id_of(row[10]);
    in.billed[text_of(row[2])].push_back(std::move(b));
  }
}

// The grid, its sites' ids (restricted to `site` when given), checked against the year.
struct Grid {
  Tariffs tariffs;
  std::vector<std::int64_t> site_ids;
  std::string digest;
};

Grid load_grid(pqxx::transaction_base& tx, const std::string& file, const std::string& year, const std::string& site) {
  if (file.empty()) {
    throw UsageError("no tariff grid: give --tariffs FILE or set billing.tariffs in the configuration");
  }
  Grid g{load_tariffs(file), {}, {}};
  try {
    g.digest = file_sha256(file);
  } catch (const OutputError&) {
    throw DataError("cannot read tariff file " + file);
  }
  if (g.tariffs.school_year != year) {
    throw DataError(file + ": the grid is for " + g.tariffs.school_year + ", not for --year " + year);
  }
  std::vector<std::string> codes = g.tariffs.sites;
  if (!site.empty()) {
    const auto code = normalize_site_code(site);
    if (!code) {
      throw UsageError("--site \"" + site + "\" is not a site code");
    }
    if (std::find(codes.begin(), codes.end(), *code) == codes.end()) {
      throw DataError(file + ": site " + *code + " is not among the grid's sites (" + join(codes, ", ") + ")");
    }
    codes = {*code};
  }
  for (const auto& code : codes) {
    const auto r = tx.exec_params("SELECT id FROM sites WHERE code = $1", code);
    if (r.empty()) {
      throw DataError(file + ": site " + code + " of the grid does not exist (see imuse-admin site list)");
    }
    g.site_ids.push_back(r[0][0].as<std::int64_t>());
  }
  return g;
}

std::string int_array(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out += (i ? "," : "") + std::to_string(ids[i]);
  }
  return out + "}";
}

// Streams every family of the grid's sites, in id order, to `each`.
void read_families(pqxx::transaction_base& tx, const Grid& grid, const std::string& year, const std::string& ledger,
                   const std::function<void(FamilyInput&)>& each) {
  FamilyInput current;
  bool any = false;
  std::int64_t current_id = 0;
  for_each_row(
      tx, kReadQuery, {year, int_array(grid.site_ids), ledger},
      [&](const pqxx::row& row) {
        const auto id = row[0].as<std::int64_t>();
        if (any && id != current_id) {
          each(current);
          current = FamilyInput{};
        }
        any = true;
        current_id = id;
        add_row(current, row);
      },
      20000);
  if (any) {
    each(current);
  }
}

std::vector<std::string> ledgers_of(const std::string& ledger) {
  if (ledger.empty()) {
    return {"tuition", "rental"};
  }
  return {ledger};
}

std::vector<Line> wanted_lines(const Tariffs& t, const FamilyInput& in, const std::string& ledger) {
  return ledger == "tuition" ? tuition_lines(t, in.facts, in.enrolments) : rental_lines(t, in.rentals);
}

// An invoice or credit note to write.
struct NewInvoice {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::int64_t family_id = 0;
  std::string ledger;
  bool credit_note = false;
  std::int64_t corrects = 0;
  int sequence = 0;
  std::string number;
  Date due;
  std::string label;
  std::vector<Line> lines;
  std::vector<std::pair<Date, Cents>> instalments;
  bool direct_debit = false;
  Cents total = 0;
};

std::string ledger_title(const Tariffs& t, const std::string& ledger) {
  return ledger == "tuition" ? t.tuition_label : t.rental_label;
}

void write_invoices(pqxx::work& tx, std::vector<NewInvoice>& invoices, const std::string& year, const Date& issued,
                    const Grid& grid, std::map<std::int64_t, std::string>& corrected_numbers) {
  if (invoices.empty()) {
    return;
  }
  // Counters: one row per site, locked, updated once.
  std::map<std::int64_t, int> last;
  for (const auto& inv : invoices) {
    last[inv.site_id] = 0;
  }
  for (auto& [site, number] : last) {
    tx.exec_params(
        "INSERT INTO invoice_counters (site_id, school_year, series) VALUES ($1, $2, 'FACT') ON CONFLICT DO NOTHING",
        site, year);
    number = tx.exec_params1(
                   "SELECT last_number FROM invoice_counters WHERE site_id = $1 AND school_year = $2 "
                   "AND series = 'FACT' FOR UPDATE",
                   site, year)[0]
                 .as<int>();
  }
  const auto ids =
      tx.exec_params("SELECT nextval(pg_get_serial_sequence('invoices', 'id')) FROM generate_series(1, $1)",
                     static_cast<long>(invoices.size()));
  std::size_t next = 0;
  for (auto& inv : invoices) {
    inv.id = ids[static_cast<int>(next++)][0].as<std::int64_t>();
    inv.sequence = ++last[inv.site_id];
    inv.number = invoice_number("FACT", year, inv.sequence);
  }
  const std::string issued_iso = issued.iso();
  {
    CopyWriter w(tx, "invoices",
                 {"id", "site_id", "family_id", "school_year", "ledger", "kind", "series", "sequence", "number",
                  "corrects_invoice_id", "issued_on", "due_on", "total_cents", "label", "tariff_digest", "tariff_file",
                  "payfip_reference"});
    for (const auto& inv : invoices) {
      w.field(std::to_string(inv.id));
      w.field(std::to_string(inv.site_id));
      w.field(std::to_string(inv.family_id));
      w.field(year);
      w.field(inv.ledger);
      w.field(inv.credit_note ? "credit_note" : "invoice");
      w.field("FACT");
      w.field(std::to_string(inv.sequence));
      w.field(inv.number);
      if (inv.credit_note) {
        w.field(std::to_string(inv.corrects));
      } else {
        w.null();
      }
      w.field(issued_iso);
      w.field(inv.due.iso());
      w.field(std::to_string(inv.total));
      w.field(inv.credit_note ? inv.label + corrected_numbers[inv.corrects] : inv.label);
      w.field(grid.digest);
      w.field(grid.tariffs.file);
      if (inv.credit_note) {
        w.null();
      } else {
        w.field(inv.number);
      }
      w.end_row();
    }
    w.complete();
  }
  {
    CopyWriter w(tx, "invoice_lines",
                 {"invoice_id", "position", "label", "student_id", "course_id", "rental_id", "quantity",
                  "unit_price_cents", "discount_cents", "amount_cents", "line_key"});
    auto opt = [&](const std::optional<std::int64_t>& v) {
      if (v) {
        w.field(std::to_string(*v));
      } else {
        w.null();
      }
    };
    for (const auto& inv : invoices) {
      int position = 0;
      for (const auto& l : inv.lines) {
        w.field(std::to_string(inv.id));
        w.field(std::to_string(++position));
        w.field(l.label);
        opt(l.student_id);
        opt(l.course_id);
        opt(l.rental_id);
        w.field(std::to_string(l.quantity));
        w.field(std::to_string(l.unit_price));
        w.field(std::to_string(l.discount));
        w.field(std::to_string(l.amount()));
        w.field(l.key);
        w.end_row();
      }
    }
    w.complete();
  }
  {
    CopyWriter w(tx, "instalments", {"invoice_id", "number", "due_on", "amount_cents", "direct_debit"});
    for (const auto& inv : invoices) {
      int number = 0;
      for (const auto& [due, amount] : inv.instalments) {
        w.field(std::to_string(inv.id));
        w.field(std::to_string(++number));
        w.field(due.iso());
        w.field(std::to_string(amount));
        w.field(inv.direct_debit ? "t" : "f");
        w.end_row();
      }
    }
    w.complete();
  }
  for (const auto& [site, number] : last) {
    tx.exec_params(
        "UPDATE invoice_counters SET last_number = $3 WHERE site_id = $1 AND school_year = $2 AND series = 'FACT'",
        site, year, number);
  }
}

}  // namespace

std::string invoice_number(const std::string& series, const std::string& school_year, int sequence) {
  char seq[16];
  std::snprintf(seq, sizeof seq, "%06d", sequence);
  return series + school_year.substr(0, 4) + school_year.substr(5, 4) + seq;
}

void generate_invoices(pqxx::work& tx, const GenerateOptions& options, Report& report) {
  if (sodium_init() < 0) {
    throw Fatal(ExitCode::software, "libsodium could not be initialised");
  }
  const Grid grid = load_grid(tx, options.tariffs_file, options.school_year, options.site);
  const Tariffs& t = grid.tariffs;
  const Date issued =
      options.issued ? *options.issued : *parse_date(tx.exec1("SELECT current_date::text")[0].as<std::string>());
  const auto ledgers = ledgers_of(options.ledger);

  std::vector<NewInvoice> invoices;
  std::int64_t billed_families = 0;
  std::int64_t unchanged = 0;
  std::int64_t correcting = 0;
  std::int64_t credit_notes = 0;
  Cents billed = 0;
  Cents credited = 0;
  std::vector<std::int64_t> credit_targets;
  read_families(tx, grid, options.school_year, options.ledger, [&](FamilyInput& in) {
    if (!in.found) {
      return;
    }
    bool changed = false;
    bool concerned = false;
    for (const auto& ledger : ledgers) {
      const auto wanted = wanted_lines(t, in, ledger);
      const auto& billed_keys = in.billed[ledger];
      concerned = concerned || !wanted.empty() || !billed_keys.empty();
      auto plan = plan_corrections(wanted, billed_keys);
      if (plan.empty()) {
        continue;
      }
      changed = true;
      const std::string title = ledger_title(t, ledger) + " " + options.school_year;
      if (!plan.invoice_lines.empty()) {
        NewInvoice inv;
        inv.site_id = in.site_id;
        inv.family_id = in.facts.id;
        inv.ledger = ledger;
        inv.label = plan.correcting ? title + kDash + "complément" : title;
        inv.total = plan.invoice_total();
        inv.direct_debit = in.facts.schedule == 9;
        const auto it = t.schedules.find(in.facts.schedule);
        const auto dates =
            due_dates(it == t.schedules.end() ? t.schedules.at(1) : it->second, issued, options.due_days);
        const auto amounts = split_instalments(inv.total, static_cast<int>(dates.size()));
        for (std::size_t i = 0; i < amounts.size(); ++i) {
          inv.instalments.emplace_back(dates[i], amounts[i]);
        }
        inv.due = inv.instalments.back().first;
        inv.lines = std::move(plan.invoice_lines);
        billed += inv.total;
        correcting += plan.correcting ? 1 : 0;
        invoices.push_back(std::move(inv));
      }
      for (auto& credit : plan.credit_notes) {
        NewInvoice note;
        note.site_id = credit.site_id;
        note.family_id = in.facts.id;
        note.ledger = ledger;
        note.credit_note = true;
        note.corrects = credit.invoice_id;
        note.label = "Avoir" + kDash + title + kDash + "sur ";
        note.total = credit.total();
        note.due = issued;
        note.lines = std::move(credit.lines);
        credited += note.total;
        ++credit_notes;
        credit_targets.push_back(credit.invoice_id);
        invoices.push_back(std::move(note));
      }
    }
    if (changed) {
      ++billed_families;
    } else if (concerned) {
      ++unchanged;
    }
  });

  // Numbers of the corrected invoices, for the credit notes' labels.
  std::map<std::int64_t, std::string> corrected_numbers;
  if (!credit_targets.empty()) {
    for (const auto& row :
         tx.exec_params("SELECT id, number FROM invoices WHERE id = ANY($1::bigint[])", int_array(credit_targets))) {
      corrected_numbers[row[0].as<std::int64_t>()] = row[1].as<std::string>();
    }
  }
  write_invoices(tx, invoices, options.school_year, issued, grid, corrected_numbers);

  const std::int64_t new_invoices = static_cast<std::int64_t>(invoices.size()) - credit_notes;
  report.add("families_billed", billed_families);
  report.add("invoices", new_invoices);
  report.add("correcting_invoices", correcting);
  report.add("credit_notes", credit_notes);
  report.add("families_unchanged", unchanged);
  report.add("billed_cents", billed);
  report.add("credited_cents", credited);
  // The numbers issued, per site (each site counts from its own counter).
  std::map<std::int64_t, std::pair<std::string, std::string>> ranges;  // site -> first, last
  for (const auto& inv : invoices) {
    auto& range = ranges[inv.site_id];
    if (range.first.empty()) {
      range.first = inv.number;
    }
    range.second = inv.number;
  }
  std::string numbers;
  if (!ranges.empty()) {
    std::map<std::int64_t, std::string> codes;
    for (const auto& r : tx.exec("SELECT id, code FROM sites")) {
      codes[r[0].as<std::int64_t>()] = r[1].as<std::string>();
    }
    for (const auto& [site, range] : ranges) {
      numbers += (numbers.empty() ? "; numbers " : ", ") + codes[site] + " " + range.first +
                 (range.second == range.first ? "" : " to " + range.second);
    }
  }
  report.messages.push_back(
      std::to_string(new_invoices) + " invoices (" + std::to_string(correcting) + " correcting), " +
      std::to_string(credit_notes) + " credit notes, " + std::to_string(billed_families) + " families billed, " +
      std::to_string(unchanged) + " families unchanged; billed " + format_euros(billed) + ", credited " +
      format_euros(credited) + numbers);
}

void simulate_invoices(pqxx::transaction_base& tx, const SimulateOptions& options, std::ostream& out, Report& report) {
  const Grid grid = load_grid(tx, options.tariffs_file, options.school_year, options.site);
  std::map<std::int64_t, std::string> site_codes;
  for (const auto& row : tx.exec("SELECT id, code FROM sites")) {
    site_codes[row[0].as<std::int64_t>()] = row[1].as<std::string>();
  }
  struct Row {
    std::string site, ref, name, ledger;
    std::int64_t family;
    Cents current, proposed;
  };
  std::vector<Row> rows;
  Cents total_current = 0;
  Cents total_proposed = 0;
  read_families(tx, grid, options.school_year, options.ledger, [&](FamilyInput& in) {
    if (!in.found) {
      return;
    }
    for (const auto& ledger : ledgers_of(options.ledger)) {
      Cents current = 0;
      for (const auto& b : in.billed[ledger]) {
        current += b.net;
      }
      Cents proposed = 0;
      for (const auto& l : wanted_lines(grid.tariffs, in, ledger)) {
        proposed += l.amount();
      }
      if (current == 0 && proposed == 0) {
        continue;
      }
      rows.push_back({site_codes[in.site_id], in.ref, in.name, ledger, in.facts.id, current, proposed});
      total_current += current;
      total_proposed += proposed;
    }
  });
  std::int64_t changed = 0;
  for (const auto& r : rows) {
    changed += r.current != r.proposed ? 1 : 0;
  }
  if (options.json) {
    nlohmann::ordered_json j;
    j["school_year"] = options.school_year;
    j["tariffs"] = options.tariffs_file;
    j["families"] = nlohmann::ordered_json::array();
    for (const auto& r : rows) {
      j["families"].push_back({{"site", r.site},
                               {"family_id", r.family},
                               {"family_ref", r.ref},
                               {"family", r.name},
                               {"ledger", r.ledger},
                               {"current", format_decimal(r.current)},
                               {"proposed", format_decimal(r.proposed)},
                               {"difference", format_decimal(r.proposed - r.current)}});
    }
    j["totals"] = {{"rows", rows.size()},
                   {"changed", changed},
                   {"current", format_decimal(total_current)},
                   {"proposed", format_decimal(total_proposed)},
                   {"difference", format_decimal(total_proposed - total_current)}};
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    auto csv = [](const std::string& s) {
      if (s.find_first_of(";\"\n") == std::string::npos) {
        return s;
      }
      std::string q = "\"";
      for (const char c : s) {
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
      }
      return q + "\"";
    };
    out << "site;family_id;family_ref;family;ledger;current;proposed;difference\n";
    for (const auto& r : rows) {
      out << csv(r.site) << ';' << r.family << ';' << csv(r.ref) << ';' << csv(r.name) << ';' << r.ledger << ';'
          << format_decimal(r.current) << ';' << format_decimal(r.proposed) << ';'
          << format_decimal(r.proposed - r.current) << '\n';
    }
    out << "TOTAL;;;;;" << format_decimal(total_current) << ';' << format_decimal(total_proposed) << ';'
        << format_decimal(total_proposed - total_current) << '\n';
  }
  report.add("rows", static_cast<std::int64_t>(rows.size()));
  report.add("changed", changed);
  report.add("current_cents", total_current);
  report.add("proposed_cents", total_proposed);
  report.add("difference_cents", total_proposed - total_current);
}

}  // namespace imuse
