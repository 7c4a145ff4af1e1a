#include "treasury/treasury.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <regex>

#include "db/cursor.hpp"
#include "treasury/pes.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/interrupt.hpp"
#include "util/output_file.hpp"
#include "util/text.hpp"
#include "util/xml.hpp"

namespace imuse::treasury {

namespace {

namespace fs = std::filesystem;

// Testing aid for the crash-safety tests (documented in imuse-admin-treasury(1), ENVIRONMENT):
// IMUSE_ADMIN_FAULT=treasury-before-commit or treasury-after-commit kills the process with
// SIGKILL at that point of `treasury export`. Read once.
void fault_point(const char* name) {
  static const char* const fault = std::getenv("IMUSE_ADMIN_FAULT");
  if (fault != nullptr && std::strcmp(fault, name) == 0) {
    std::raise(SIGKILL);
  }
}

// The treasury.* settings an export needs, checked.
struct Settings {
  PesFileHeader header;  // without file_name and date
  std::string encoding;
  std::string nature_tuition;
  std::string nature_rental;
  std::string product_tuition;
  std::string product_rental;
  int overdue_days = 30;
  Cents min_amount = 0;
  std::string file_pattern;
};

std::string first_set(const Config& c, const char* key, const std::string& fallback) {
  const std::string& v = c.get(key);
  return v.empty() ? fallback : v;
}

Settings read_settings(const Config& c) {
  Settings s;
  auto require = [&](const char* key, const std::string& value, const std::regex& format, const char* expected) {
    if (value.empty()) {
      throw ConfigError(std::string(key) + " is not set: " + expected +
                        " (given by the DGFiP, see imuse-admin-treasury(1))");
    }
    if (!std::regex_match(value, format)) {
      throw ConfigError(std::string(key) + ": expected " + expected + ", got \"" + value + "\"");
    }
  };
  s.header.id_post = trim(c.get("treasury.id_post"));
  require("treasury.id_post", s.header.id_post, std::regex("02[AB][0-9]{3,4}|[0-9]{6,7}"), "7 digits (IdPost)");
  std::string siret;
  for (char ch : first_set(c, "treasury.id_coll", c.get("school.siret"))) {
    if (ch != ' ') {
      siret += ch;
    }
  }
  require("treasury.id_coll (or school.siret)", siret, std::regex("[0-9]{14}"), "a SIRET of 14 digits (IdColl)");
  s.header.id_coll = siret;
  s.header.cod_col = trim(c.get("treasury.cod_col"));
  require("treasury.cod_col", s.header.cod_col, std::regex("[0-9]{3}"), "3 digits (CodCol)");
  s.header.cod_bud = ascii_upper(trim(c.get("treasury.cod_bud")));
  require("treasury.cod_bud", s.header.cod_bud, std::regex("[0-9A-Z][0-9]"), "2 characters such as 01 (CodBud)");
  s.header.libelle_col_bud = first_set(c, "treasury.libelle_col_bud", c.get("school.name"));
  s.header.sender_sigle = pes_text(first_set(c, "treasury.sender_sigle", c.get("school.name")), kSigleLength);
  if (s.header.sender_sigle.empty()) {
    throw ConfigError("treasury.sender_sigle (or school.name) is not set: the file's envelope needs the sender");
  }
  const std::string school_address =
      trim(c.get("school.address") + " " + c.get("school.postal_code") + " " + c.get("school.city"));
  s.header.sender_address = pes_text(first_set(c, "treasury.sender_address", school_address), kNameLength);
  if (s.header.sender_address.empty()) {
    throw ConfigError("treasury.sender_address (or school.address) is not set: the file's envelope needs it");
  }
  s.encoding = ascii_upper(c.get("treasury.encoding"));  // the XML declaration says ISO-8859-1 or UTF-8
  s.nature_tuition = trim(c.get("treasury.nature_tuition"));
  s.nature_rental = trim(c.get("treasury.nature_rental"));
  for (const auto& [key, value] :
       {std::pair{"treasury.nature_tuition", s.nature_tuition}, std::pair{"treasury.nature_rental", s.nature_rental}}) {
    if (!is_pes_nature(value)) {
      throw ConfigError(std::string(key) + ": expected a budget account of 1 to 12 digits (Nature), got \"" + value +
                        "\"");
    }
  }
  s.product_tuition = ascii_upper(trim(c.get("treasury.product_tuition")));
  s.product_rental = ascii_upper(trim(c.get("treasury.product_rental")));
  for (const auto& [key, value] : {std::pair{"treasury.product_tuition", s.product_tuition},
                                   std::pair{"treasury.product_rental", s.product_rental}}) {
    if (!is_pes_product_code(value)) {
      throw ConfigError(std::string(key) + ": expected 1 to 4 letters or digits (CodProdLoc), got \"" + value + "\"");
    }
  }
  s.overdue_days = static_cast<int>(c.get_int("treasury.overdue_days"));
  const auto min = parse_amount(c.get("treasury.min_amount"));
  if (!min) {
    throw ConfigError("treasury.min_amount: expected an amount in euros such as 15,00, got \"" +
                      c.get("treasury.min_amount") + "\"");
  }
  s.min_amount = *min;
  s.file_pattern = c.get("treasury.file_name");
  if (s.file_pattern.find('/') != std::string::npos || s.file_pattern.find("{bordereau}") == std::string::npos) {
    throw ConfigError("treasury.file_name: expected a file name (no folder) holding {bordereau}, got \"" +
                      s.file_pattern + "\"");
  }
  return s;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

std::string file_name_for(const Settings& s, const std::string& site, int exercise, long bordereau) {
  std::string name = replace_all(s.file_pattern, "{site}", site);
  name = replace_all(name, "{exercise}", std::to_string(exercise));
  return replace_all(name, "{bordereau}", std::to_string(bordereau));
}

bool is_folder(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  const auto p = fs::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// The names treasury.file_name gives, as a regular expression (a folder may hold other files).
std::regex file_name_regex(const std::string& pattern) {
  std::string re;
  for (std::size_t k = 0; k < pattern.size(); ++k) {
    if (pattern.compare(k, 6, "{site}") == 0) {
      re += "[A-Z0-9_-]+";
      k += 5;
    } else if (pattern.compare(k, 10, "{exercise}") == 0) {
      re += "[0-9]{4}";
      k += 9;
    } else if (pattern.compare(k, 11, "{bordereau}") == 0) {
      re += "[0-9]+";
      k += 10;
    } else if (std::string_view(".^$|()[]{}*+?\\").find(pattern[k]) != std::string_view::npos) {
      re += std::string("\\") + pattern[k];
    } else {
      re += pattern[k];
    }
  }
  return std::regex(re);
}

// Publishes or removes pending files left by a killed run (<out>.pending, or in the folder `out`
// every <name>.pending whose name treasury.file_name could give), before anything else; reports
// what it did.
void recover(pqxx::connection& connection, const Settings& st, const std::string& out, bool dry_run, Report& report) {
  std::vector<std::string> targets;
  if (is_folder(out)) {
    const std::regex ours = file_name_regex(st.file_pattern);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(out, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > 8 && name.ends_with(".pending") && std::regex_match(name.substr(0, name.size() - 8), ours)) {
        targets.push_back(entry.path().string().substr(0, entry.path().string().size() - 8));
      }
    }
  } else {
    targets.push_back(out);
  }
  const auto committed = [&connection](const std::string& sha256) {
    pqxx::read_transaction tx(connection, "treasury recovery");
    return tx.exec_params1("SELECT EXISTS (SELECT 1 FROM treasury_batches WHERE file_sha256 = $1)", sha256)[0]
        .as<bool>();
  };
  for (const auto& path : targets) {
    std::error_code ec;
    if (!fs::exists(path + ".pending", ec)) {
      continue;
    }
    if (dry_run) {
      report.messages.push_back(path + ".pending was left by a killed run: a real run recovers it first");
      continue;
    }
    switch (CommittedFile::recover(path, committed)) {
      case CommittedFile::Recovery::published:
        report.messages.push_back("recovered " + path +
                                  ": a run killed after its COMMIT had left it pending; it is now published");
        report.details.emplace_back("recovered_file", path);
        report.details.emplace_back("recovery", std::string("published"));
        report.add("recovered_published");
        break;
      case CommittedFile::Recovery::removed:
        report.messages.push_back("removed " + path +
                                  ".pending: a run killed before its COMMIT had left it; nothing of it was recorded");
        report.details.emplace_back("recovered_file", path + ".pending");
        report.details.emplace_back("recovery", std::string("removed"));
        report.add("recovered_removed");
        break;
      case CommittedFile::Recovery::none:
        break;
    }
  }
}

// Locks the issued invoices with an overdue instalment and something left to pay, so that a
// concurrent `payments record` (which locks the invoice too) waits for this transaction, or this
// one waits for it and then sees its payment (the selection is the next statement).
void lock_candidates(pqxx::transaction_base& tx, const Date& cutoff, const std::string& site) {
  tx.exec_params(
      "SELECT count(*) FROM (SELECT i.id FROM invoices i JOIN sites s ON s.id = i.site_id "
      "  WHERE i.kind = 'invoice' AND i.state = 'issued' AND ($2 = '' OR s.code = upper($2)) "
      "    AND (EXISTS (SELECT 1 FROM instalments n WHERE n.invoice_id = i.id AND n.due_on < $1::date) "
      "         OR (i.due_on < $1::date AND NOT EXISTS (SELECT 1 FROM instalments n WHERE n.invoice_id = i.id))) "
      "    AND i.total_cents > coalesce((SELECT sum(p.amount_cents) FROM payments p "
      "                                  WHERE p.invoice_id = i.id AND p.cancelled_at IS NULL), 0) "
      "                      + coalesce((SELECT sum(c.total_cents) FROM invoices c "
      "                                  WHERE c.corrects_invoice_id = i.id AND c.kind = 'credit_note'), 0) "
      "  FOR UPDATE OF i) locked",
      cutoff.iso(), site);
}

std::string text_of(const pqxx::field& f) {
  return f.is_null() ? std::string() : f.as<std::string>();
}

FamilyIdentity family_identity(const pqxx::row& r, int first) {
  FamilyIdentity f;
  f.ref = text_of(r[first]);
  f.civility = text_of(r[first + 1]);
  f.last_name = text_of(r[first + 2]);
  f.first_name = text_of(r[first + 3]);
  f.address1 = text_of(r[first + 4]);
  f.address2 = text_of(r[first + 5]);
  f.address3 = text_of(r[first + 6]);
  f.postal_code = text_of(r[first + 7]);
  f.city = text_of(r[first + 8]);
  f.country_code = text_of(r[first + 9]);
  return f;
}

constexpr const char* kFamilyColumns =
    "f.external_ref, f.civility, f.last_name, f.first_name, f.address_line1, f.address_line2, f.address_line3, "
    "f.postal_code, f.city, f.country_code";

// Checks the debtors of the selection; the families the treasury would refuse go to the
// temporary table treasury_rejected and to the report (their invoices are left out). Families
// that are certainly fine are skipped in SQL: M or MME, a French 5-digit postal code, and an
// ASCII letter or digit other than 0 in each name, the address and the city (pes_text keeps
// those, so it cannot come out empty); pes_debtor looks at the others.
void check_debtors(pqxx::transaction_base& tx, Report& report) {
  std::vector<std::string> ids;
  for_each_row(
      tx,
      std::string("SELECT f.id, s.code, ") + kFamilyColumns +
          " FROM families f JOIN sites s ON s.id = f.site_id "
          "WHERE f.id IN (SELECT family_id FROM treasury_titles) "
          "  AND NOT (coalesce(f.civility IN ('M', 'MME'), false) AND f.country_code = 'FR' "
          "           AND coalesce(f.first_name ~ '[A-Za-z1-9]', false) AND f.last_name ~ '[A-Za-z1-9]' "
          "           AND coalesce(f.city ~ '[A-Za-z1-9]', false) "
          "           AND coalesce(f.address_line1, '') || coalesce(f.address_line2, '') "
          "               || coalesce(f.address_line3, '') ~ '[A-Za-z1-9]' "
          "           AND coalesce(regexp_replace(f.postal_code, '[ .-]', '', 'g') ~ '^[0-9]{5}$', false)) "
          "ORDER BY s.code, f.last_name, f.id",
      {}, [&](const pqxx::row& r) {
        const FamilyIdentity f = family_identity(r, 2);
        const DebtorResult d = pes_debtor(f);
        if (d.problems.empty()) {
          return;
        }
        ids.push_back(r[0].as<std::string>());
        const std::string name = trim(f.last_name + " " + f.first_name);
        report.rejected.push_back(Problem{
            "family " + (f.ref.empty() ? "id " + r[0].as<std::string>() : f.ref) + " (" + name + ", site " +
                r[1].as<std::string>() + ")",
            join(d.problems, "; ") + "; its invoices were not transferred: correct the family and export again"});
      });
  tx.exec0("CREATE TEMP TABLE treasury_rejected (family_id bigint PRIMARY KEY) ON COMMIT DROP");
  if (!ids.empty()) {
    tx.exec_params0("INSERT INTO treasury_rejected SELECT unnest($1::bigint[])", "{" + join(ids, ",") + "}");
  }
  report.add("rejected_families", static_cast<std::int64_t>(ids.size()));
}

// One bordereau to write: its site, number and totals.
struct Bordereau {
  int site_id = 0;
  std::string site;
  long number = 0;
  long pieces = 0;
  Cents total = 0;
  std::int64_t id = 0;  // treasury_batches.id once inserted
};

// One output file: a site's bordereaux.
struct OutFile {
  int site_id = 0;
  std::string site;
  std::string path;                     // absolute
  std::vector<std::size_t> bordereaux;  // indexes into the bordereau list
  std::unique_ptr<CommittedFile> file;
  std::string sha256;
};

std::string french_date(const std::string& iso) {
  const auto d = parse_date(iso);
  return d ? d->french() : iso;
}

// The titles of a file, kept in an unnamed temporary file between the query and the XML
// writer: the connection is then free for the inserts while the file is written, and memory
// stays flat whatever the count. Fields are written as a length (or ~0 for NULL) and bytes.
class Spool {
 public:
  Spool() : file_(std::tmpfile()) {
    if (file_ == nullptr) {
      throw OutputError(std::string("cannot create a temporary file: ") + std::strerror(errno));
    }
  }
  ~Spool() { std::fclose(file_); }
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  void put(const pqxx::row& r) {
    for (const auto& f : r) {
      const std::uint32_t size = f.is_null() ? kNull : static_cast<std::uint32_t>(f.size());
      write(&size, sizeof size);
      if (!f.is_null()) {
        write(f.c_str(), f.size());
      }
    }
  }
  void rewind() {
    if (std::fflush(file_) != 0) {
      throw OutputError(std::string("cannot write a temporary file: ") + std::strerror(errno));
    }
    std::rewind(file_);
  }
  // Reads the next row of `width` fields into `row` (NULL as ""); false at the end.
  bool next(std::vector<std::string>& row, std::size_t width) {
    row.resize(width);
    for (std::size_t k = 0; k < width; ++k) {
      std::uint32_t size = 0;
      if (std::fread(&size, sizeof size, 1, file_) != 1) {
        if (k == 0 && std::feof(file_)) {
          return false;
        }
        throw OutputError("cannot read back a temporary file");
      }
      row[k].resize(size == kNull ? 0 : size);
      if (size != kNull && size > 0 && std::fread(row[k].data(), 1, size, file_) != size) {
        throw OutputError("cannot read back a temporary file");
      }
    }
    return true;
  }

 private:
  static constexpr std::uint32_t kNull = 0xFFFFFFFF;
  void write(const void* data, std::size_t size) {
    if (std::fwrite(data, 1, size, file_) != size) {
      throw OutputError(std::string("cannot write a temporary file: ") + std::strerror(errno));
    }
  }
  std::FILE* file_;
};

// The columns spooled per title, in this order.
constexpr const char* kTitleColumns =
    "n.bordereau, n.title_number, n.amount_cents, n.last_number, n.instalments, n.first_due::text, "
    "n.last_due::text, i.number, i.label, i.ledger, f.external_ref, f.civility, f.last_name, f.first_name, "
    "f.address_line1, f.address_line2, f.address_line3, f.postal_code, f.city, f.country_code";
constexpr std::size_t kTitleWidth = 20;

// Reads a site's titles (treasury_numbered) into its spool, in file order.
void spool_titles(pqxx::transaction_base& tx, int site_id, Spool& spool) {
  for_each_row(tx,
               std::string("SELECT ") + kTitleColumns +
                   " FROM treasury_numbered n JOIN invoices i ON i.id = n.invoice_id "
                   "JOIN families f ON f.id = n.family_id WHERE n.site_id = $1 ORDER BY n.bordereau, n.title_number",
               {std::to_string(site_id)}, [&](const pqxx::row& r) { spool.put(r); });
  spool.rewind();
}

// ObjLignePce: which instalments the title claims.
std::string line_object(const std::vector<std::string>& r) {
  const std::string first = french_date(r[5]);
  if (std::stoi(r[4]) > 1) {
    return r[4] + " ECHEANCES DU " + first + " AU " + french_date(r[6]);
  }
  return "ECHEANCE " + r[3] + " DU " + first;
}

// Writes a site's PES file from its spool: one Piece per title, one LigneDePiece each (IdLigne
// 1: an individual title with one budget imputation, as the dossier technique says).
void write_file(Spool& spool, const Settings& st, const OutFile& out, const std::vector<Bordereau>& bords, int exercise,
                const Date& today) {
  PesFileHeader header = st.header;
  header.file_name = fs::path(out.path).filename().string();
  header.date = today;
  PesWriter w(out.file->pending_path(), st.encoding, header);
  long current = 0;
  std::size_t next = 0;
  std::vector<std::string> r;
  while (spool.next(r, kTitleWidth)) {
    const long bordereau = std::stol(r[0]);
    if (bordereau != current) {
      if (current != 0) {
        w.end_bordereau();
      }
      const Bordereau& b = bords.at(out.bordereaux.at(next++));
      if (b.number != bordereau) {
        throw std::logic_error("treasury export: bordereaux differ between the totals and the titles");
      }
      w.begin_bordereau(PesBordereau{exercise, b.number, today, b.pieces, b.total});
      current = bordereau;
    }
    const bool rental = r[9] == "rental";
    w.begin_piece(PesPiece{std::stol(r[1]), "FACTURE " + r[7] + " " + r[8]});
    PesLine line;
    line.number = 1;
    line.object = line_object(r);
    line.product_code = rental ? st.product_rental : st.product_tuition;
    line.nature = rental ? st.nature_rental : st.nature_tuition;
    line.amount = std::stoll(r[2]);
    const FamilyIdentity f{r[10], r[11], r[12], r[13], r[14], r[15], r[16], r[17], r[18], r[19]};
    w.line(line, pes_debtor(f).debtor);
    w.end_piece();
  }
  if (current != 0) {
    w.end_bordereau();
  }
  w.finish();
}

// The lines of create_overdue_lines as a query: $1 the cut-off date, $2 the site ("" = all).
// sched: the instalments of the candidate invoices, or the invoice itself when it has none.
// residual: an instalment less the payments that name it (TAV ones included); what was paid
// above it (spill), the payments that name no instalment and the credit notes form `credit`,
// which settles the residuals oldest due first: unpaid = clamp(cumulated residual − credit, 0,
// residual). An instalment a live bordereau names is never selected again.
constexpr const char* kOverdueLines =
    "WITH inv AS ("
    "  SELECT i.id, i.site_id, i.family_id, i.due_on, i.total_cents FROM invoices i "
    "  JOIN sites s ON s.id = i.site_id "
    "  WHERE i.kind = 'invoice' AND i.state = 'issued' AND ($2 = '' OR s.code = upper($2)) "
    "    AND (i.id IN (SELECT n.invoice_id FROM instalments n WHERE n.due_on < $1::date) "
    "         OR (i.due_on < $1::date AND NOT EXISTS (SELECT 1 FROM instalments n WHERE n.invoice_id = i.id)))), "
    "sched AS ("
    "  SELECT inv.id AS invoice_id, n.id AS instalment_id, coalesce(n.number, 1) AS instalment_number, "
    "         coalesce(n.due_on, inv.due_on) AS due_on, coalesce(n.amount_cents, inv.total_cents) AS amount_cents "
    "  FROM inv LEFT JOIN instalments n ON n.invoice_id = inv.id "
    "  WHERE n.id IS NOT NULL OR inv.total_cents > 0), "
    "direct AS ("
    "  SELECT p.instalment_id, sum(p.amount_cents)::bigint AS paid FROM payments p JOIN inv ON inv.id = p.invoice_id "
    "  WHERE p.cancelled_at IS NULL AND p.instalment_id IS NOT NULL GROUP BY p.instalment_id), "
    "loose AS ("
    "  SELECT p.invoice_id, sum(p.amount_cents)::bigint AS paid FROM payments p JOIN inv ON inv.id = p.invoice_id "
    "  WHERE p.cancelled_at IS NULL AND p.instalment_id IS NULL GROUP BY p.invoice_id), "
    "credits AS ("
    "  SELECT c.corrects_invoice_id AS invoice_id, sum(c.total_cents)::bigint AS credited FROM invoices c "
    "  JOIN inv ON inv.id = c.corrects_invoice_id WHERE c.kind = 'credit_note' GROUP BY c.corrects_invoice_id), "
    "per AS ("
    "  SELECT s.*, greatest(s.amount_cents - coalesce(d.paid, 0), 0) AS residual, "
    "         greatest(coalesce(d.paid, 0) - s.amount_cents, 0) AS spill "
    "  FROM sched s LEFT JOIN direct d ON d.instalment_id = s.instalment_id), "
    "alloc AS ("
    "  SELECT per.*, coalesce(c.credited, 0) + coalesce(l.paid, 0) + (sum(per.spill) OVER whole)::bigint AS credit, "
    "         (sum(per.residual) OVER running)::bigint AS cumulated "
    "  FROM per LEFT JOIN credits c ON c.invoice_id = per.invoice_id "
    "  LEFT JOIN loose l ON l.invoice_id = per.invoice_id "
    "  WINDOW whole AS (PARTITION BY per.invoice_id), "
    "         running AS (PARTITION BY per.invoice_id ORDER BY per.due_on, per.instalment_number "
    "                     ROWS UNBOUNDED PRECEDING)) "
    "SELECT a.invoice_id, a.instalment_id, a.instalment_number, a.due_on, "
    "       least(a.residual, a.cumulated - a.credit) AS amount_cents, inv.site_id, inv.family_id "
    "FROM alloc a JOIN inv ON inv.id = a.invoice_id "
    "WHERE a.due_on < $1::date AND least(a.residual, a.cumulated - a.credit) > 0 "
    "  AND NOT EXISTS (SELECT 1 FROM treasury_pieces tp WHERE tp.batch_state = 'exported' "
    "                  AND tp.invoice_id = a.invoice_id "
    "                  AND tp.instalment_id IS NOT DISTINCT FROM a.instalment_id)";

}  // namespace

Date overdue_cutoff(pqxx::transaction_base& tx, const Date& today, int days) {
  const auto text = tx.exec_params1("SELECT ($1::date - $2::int)::text", today.iso(), days)[0].as<std::string>();
  return *parse_date(text);
}

long long create_overdue_lines(pqxx::transaction_base& tx, const std::string& table, const Date& cutoff,
                               const std::string& site) {
  const auto result =
      tx.exec_params("CREATE TEMP TABLE " + table + " ON COMMIT DROP AS " + kOverdueLines, cutoff.iso(), site);
  return result.affected_rows();
}

void export_bordereaux(pqxx::connection& connection, const Config& config, const ExportOptions& o, Report& report) {
  const Settings st = read_settings(config);
  if (o.out.empty()) {
    throw UsageError("--out: give the PES file to write (FILE.xml) or an existing folder");
  }
  const bool to_folder = is_folder(o.out);
  const Cents min_amount = o.min_amount.value_or(st.min_amount);
  recover(connection, st, o.out, o.dry_run, report);

  pqxx::work tx(connection, "treasury export");
  // Sorts and hashes of 100 000 invoices stay in memory; JIT costs more than it saves here.
  tx.exec0("SET LOCAL work_mem = '64MB'");
  tx.exec0("SET LOCAL jit = off");
  if (!o.site.empty() && tx.exec_params("SELECT 1 FROM sites WHERE code = upper($1)", o.site).empty()) {
    throw DataError("--site " + o.site + ": no such site (see 'imuse-admin site list')");
  }
  const Date cutoff =
      o.due_before ? *o.due_before : overdue_cutoff(tx, o.today, o.overdue_days.value_or(st.overdue_days));
  const int exercise = o.today.year;
  lock_candidates(tx, cutoff, o.site);
  // One title per invoice: the unpaid rest of its overdue instalments; it names the latest one.
  tx.exec_params0(
      std::string(
          "CREATE TEMP TABLE treasury_titles ON COMMIT DROP AS "
          "SELECT l.invoice_id, min(l.site_id) AS site_id, min(l.family_id) AS family_id, "
          "  sum(l.amount_cents)::bigint AS amount_cents, count(*)::int AS instalments, "
          "  min(l.due_on) AS first_due, max(l.due_on) AS last_due, "
          "  (array_agg(l.instalment_id ORDER BY l.due_on DESC, l.instalment_number DESC))[1] AS instalment_id, "
          "  (array_agg(l.instalment_number ORDER BY l.due_on DESC, l.instalment_number DESC))[1] "
          "    AS last_number "
          "FROM (") +
          kOverdueLines + ") l GROUP BY l.invoice_id",
      cutoff.iso(), o.site);
  check_debtors(tx, report);
  const auto skipped = tx.exec_params1(
      "WITH d AS (DELETE FROM treasury_titles t WHERE t.amount_cents < $1 "
      "           AND NOT EXISTS (SELECT 1 FROM treasury_rejected r WHERE r.family_id = t.family_id) "
      "           RETURNING amount_cents), "
      "r AS (DELETE FROM treasury_titles t USING treasury_rejected r WHERE r.family_id = t.family_id RETURNING 1) "
      "SELECT (SELECT count(*) FROM d), (SELECT coalesce(sum(amount_cents), 0)::bigint FROM d), "
      "       (SELECT count(*) FROM r)",
      min_amount);
  // Title numbers continue the site's exercise; bordereaux hold at most 99 999 pieces each.
  tx.exec_params0(
      "CREATE TEMP TABLE treasury_numbered ON COMMIT DROP AS "
      "WITH bases AS ("
      "  SELECT t.site_id, "
      "    (SELECT coalesce(max(p.title_number), 0) FROM treasury_pieces p "
      "     WHERE p.site_id = t.site_id AND p.exercise = $1) AS title_base, "
      "    (SELECT coalesce(max(b.number), 0) FROM treasury_batches b "
      "     WHERE b.site_id = t.site_id AND b.exercise = $1) AS bordereau_base "
      "  FROM (SELECT DISTINCT site_id FROM treasury_titles) t), "
      "ordered AS ("
      "  SELECT t.*, row_number() OVER (PARTITION BY t.site_id ORDER BY t.invoice_id) AS ordinal "
      "  FROM treasury_titles t) "
      "SELECT o.*, (b.title_base + o.ordinal)::int AS title_number, "
      "       (b.bordereau_base + 1 + (o.ordinal - 1) / $2)::int AS bordereau "
      "FROM ordered o JOIN bases b ON b.site_id = o.site_id",
      exercise, kMaxPiecesPerBordereau);

  std::vector<Bordereau> bords;
  for (const auto& r :
       tx.exec("SELECT n.site_id, s.code, n.bordereau, count(*), sum(n.amount_cents)::bigint, max(n.title_number) "
               "FROM treasury_numbered n JOIN sites s ON s.id = n.site_id "
               "GROUP BY n.site_id, s.code, n.bordereau ORDER BY s.code, n.bordereau")) {
    if (r[2].as<long>() > 9999999 || r[5].as<long>() > 99999999) {
      throw DataError("site " + r[1].as<std::string>() + ", exercise " + std::to_string(exercise) +
                      ": bordereau or title numbers would exceed what PES V2 allows (IdBord 9 999 999, IdPce "
                      "99 999 999)");
    }
    bords.push_back(
        Bordereau{r[0].as<int>(), r[1].as<std::string>(), r[2].as<long>(), r[3].as<long>(), r[4].as<Cents>()});
  }
  const std::int64_t skipped_count = skipped[0].as<std::int64_t>();
  const Cents skipped_cents = skipped[1].as<Cents>();

  // One file per site: the named file, or the pattern's name in the folder.
  std::vector<OutFile> files;
  for (std::size_t k = 0; k < bords.size(); ++k) {
    if (files.empty() || files.back().site_id != bords[k].site_id) {
      OutFile f;
      f.site_id = bords[k].site_id;
      f.site = bords[k].site;
      files.push_back(std::move(f));
    }
    files.back().bordereaux.push_back(k);
  }
  if (files.size() > 1 && !to_folder) {
    std::vector<std::string> sites;
    for (const auto& f : files) {
      sites.push_back(f.site);
    }
    throw UsageError("the overdue invoices are on several sites (" + join(sites, ", ") +
                     "): give --site, or an existing folder as --out for one file per site");
  }
  for (auto& f : files) {
    const std::string name = file_name_for(st, f.site, exercise, bords[f.bordereaux.front()].number);
    f.path = absolute_path(to_folder ? (fs::path(o.out) / name).string() : o.out);
    static const std::regex kNomFic("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    if (const auto base = fs::path(f.path).filename().string(); !std::regex_match(base, kNomFic)) {
      throw UsageError("the file name \"" + base +
                       "\" is not a PES file name (NomFic): at most 100 letters, digits, '.', '_' or '-'");
    }
    if (!o.dry_run) {
      f.file = std::make_unique<CommittedFile>(f.path);
      f.file->check_free();
    } else if (std::error_code ec; fs::exists(f.path, ec)) {
      report.warnings.push_back(f.path + " exists: a real run would refuse to overwrite it (exit 73)");
    }
  }

  std::int64_t pieces = 0;
  Cents total = 0;
  for (const auto& b : bords) {
    pieces += b.pieces;
    total += b.total;
  }

  if (!o.dry_run && !bords.empty()) {
    tx.exec0("CREATE TEMP TABLE treasury_batch_ids (site_id integer, number integer, batch_id bigint) ON COMMIT DROP");
    for (const auto& f : files) {
      for (const auto k : f.bordereaux) {
        Bordereau& b = bords[k];
        b.id = tx.exec_params1(
                     "INSERT INTO treasury_batches (site_id, exercise, number, file_name, total_cents, piece_count) "
                     "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                     b.site_id, exercise, b.number, f.path, b.total, b.pieces)[0]
                   .as<std::int64_t>();
        tx.exec_params0("INSERT INTO treasury_batch_ids VALUES ($1, $2, $3)", b.site_id, b.number, b.id);
      }
    }
    std::vector<std::unique_ptr<Spool>> spools;
    for (const auto& f : files) {
      spools.push_back(std::make_unique<Spool>());
      spool_titles(tx, f.site_id, *spools.back());
    }
    // The settlements are written by the server while this process writes, validates and
    // digests the files: the connection belongs to the other thread until get().
    auto insert = std::async(std::launch::async, [&tx, &o, exercise] {
      // One TAV settlement per title; an invoice has one title per export, so the payment is
      // found again by its invoice.
      tx.exec_params0(
          "WITH t AS (SELECT n.*, b.batch_id FROM treasury_numbered n "
          "           JOIN treasury_batch_ids b ON b.site_id = n.site_id AND b.number = n.bordereau), "
          "p AS (INSERT INTO payments (invoice_id, instalment_id, amount_cents, mode, paid_on, reference, "
          "                            operation_number, treasury_batch_id, recorded_by) "
          "      SELECT t.invoice_id, t.instalment_id, t.amount_cents, 'tav', $1::date, "
          "             'bordereau ' || $2 || '-' || t.bordereau || ', titre ' || t.title_number, "
          "             'TAV' || $2 || '-' || t.bordereau || '-' || t.title_number, t.batch_id, $3 "
          "      FROM t RETURNING id, invoice_id) "
          "INSERT INTO treasury_pieces (batch_id, site_id, exercise, batch_state, title_number, invoice_id, "
          "                             instalment_id, amount_cents, payment_id) "
          "SELECT t.batch_id, t.site_id, $2::int, 'exported', t.title_number, t.invoice_id, t.instalment_id, "
          "       t.amount_cents, p.id FROM t JOIN p ON p.invoice_id = t.invoice_id",
          o.today.iso(), exercise, o.actor);
    });
    std::string invalid;
    for (std::size_t k = 0; k < files.size() && invalid.empty(); ++k) {
      auto& f = files[k];
      write_file(*spools[k], st, f, bords, exercise, o.today);
      spools[k].reset();
      const auto problems = xml::validate_file(f.file->pending_path(), xml::kPesAllerSchema, 5);
      if (!problems.empty()) {
        invalid = "the PES file written for site " + f.site +
                  " does not validate against the PES V2 schema (a bug in imuse-admin; nothing was recorded): " +
                  join(problems, "; ");
        break;
      }
      f.sha256 = f.file->seal();
    }
    insert.get();
    if (!invalid.empty()) {
      throw Fatal(ExitCode::software, invalid);
    }
    for (const auto& f : files) {
      std::vector<std::string> ids;
      for (const auto k : f.bordereaux) {
        ids.push_back(std::to_string(bords[k].id));
      }
      tx.exec_params0("UPDATE treasury_batches SET file_sha256 = $1 WHERE id = ANY($2::bigint[])", f.sha256,
                      "{" + join(ids, ",") + "}");
    }
    check_interrupted();
    fault_point("treasury-before-commit");
    for (auto& f : files) {
      f.file->keep_pending();  // a COMMIT that fails or whose outcome is unknown: the next run decides
    }
    tx.commit();
    fault_point("treasury-after-commit");
    for (auto& f : files) {
      f.file->publish();
    }
  }

  Table table{{"site", "exercise", "bordereau", "pieces", "total", "total_cents", "file"}, {}};
  for (const auto& f : files) {
    for (const auto k : f.bordereaux) {
      const Bordereau& b = bords[k];
      table.rows.push_back({f.site, static_cast<std::int64_t>(exercise), static_cast<std::int64_t>(b.number),
                            static_cast<std::int64_t>(b.pieces), format_euros(b.total),
                            static_cast<std::int64_t>(b.total), f.path});
      report.messages.push_back(std::string(o.dry_run ? "would write " : "") + "bordereau " + std::to_string(b.number) +
                                " (" + f.site + ", " + std::to_string(exercise) + "): " + std::to_string(b.pieces) +
                                " titles, " + format_euros(b.total) + " -> " + f.path);
    }
  }
  if (bords.empty()) {
    report.messages.push_back("nothing to transfer: no unpaid instalment due before " + cutoff.french() +
                              " that is not already in a bordereau" +
                              (report.rejected.empty() && skipped_count == 0 ? "" : " (apart from those left out)"));
  }
  if (skipped_count > 0) {
    report.messages.push_back(std::to_string(skipped_count) + " title(s) below the minimum of " +
                              format_euros(min_amount) + " left out (" + format_euros(skipped_cents) +
                              "): they stay due to the school");
  }
  report.add("bordereaux", static_cast<std::int64_t>(bords.size()));
  report.add("files", static_cast<std::int64_t>(files.size()));
  report.add("pieces", pieces);
  report.add("total_cents", total);
  report.add("skipped_below_minimum", skipped_count);
  report.add("skipped_below_minimum_cents", skipped_cents);
  report.add("rejected_titles", skipped[2].as<std::int64_t>());
  report.details.emplace_back("due_before", cutoff.iso());
  report.details.emplace_back("exercise", static_cast<std::int64_t>(exercise));
  report.details.emplace_back("total", format_euros(total));
  if (!table.rows.empty()) {
    report.table = std::move(table);
  }
}

namespace {

// The bordereau `key` names: id, site code, number, exercise, state; DataError when none or several.
pqxx::row find_bordereau(pqxx::transaction_base& tx, const BordereauKey& key, bool lock) {
  const auto rows = tx.exec_params(
      std::string("SELECT b.id, s.code, b.number, b.exercise, b.state, b.site_id, "
                  "       to_char(b.cancelled_at, 'DD/MM/YYYY'), b.cancel_reason "
                  "FROM treasury_batches b JOIN sites s ON s.id = b.site_id "
                  "WHERE b.number = $1 AND b.exercise = $2 AND ($3 = '' OR s.code = upper($3)) ORDER BY s.code") +
          (lock ? " FOR UPDATE OF b" : ""),
      key.number, key.exercise, key.site);
  const std::string where = key.site.empty() ? "" : " on site " + ascii_upper(key.site);
  if (rows.empty()) {
    throw DataError("no bordereau " + std::to_string(key.number) + " in exercise " + std::to_string(key.exercise) +
                    where + " (see 'imuse-admin treasury list'; --year picks another exercise)");
  }
  if (rows.size() > 1) {
    std::vector<std::string> sites;
    for (const auto& r : rows) {
      sites.push_back(r[1].as<std::string>());
    }
    throw DataError("bordereau " + std::to_string(key.number) + " of " + std::to_string(key.exercise) +
                    " exists on several sites (" + join(sites, ", ") + "): give --site");
  }
  return rows[0];
}

Cell nullable(const pqxx::field& f) {
  return f.is_null() ? Cell{} : Cell{f.as<std::string>()};
}

}  // namespace

void list_bordereaux(pqxx::transaction_base& tx, const std::string& site, int exercise, Report& report) {
  Table table{{"bordereau", "exercise", "site", "date", "state", "pieces", "total", "total_cents", "file"}, {}};
  std::int64_t exported = 0;
  Cents total = 0;
  for (const auto& r : tx.exec_params(
           "SELECT b.number, b.exercise, s.code, to_char(b.exported_at, 'DD/MM/YYYY'), "
           "       CASE WHEN b.state = 'cancelled' "
           "            THEN 'cancelled ' || to_char(b.cancelled_at, 'DD/MM/YYYY') || ': ' || b.cancel_reason "
           "            ELSE b.state END, "
           "       b.piece_count, b.total_cents, b.file_name, b.state "
           "FROM treasury_batches b JOIN sites s ON s.id = b.site_id "
           "WHERE ($1 = '' OR s.code = upper($1)) AND ($2 = 0 OR b.exercise = $2) "
           "ORDER BY b.exercise DESC, s.code, b.number DESC",
           site, exercise)) {
    const Cents amount = r[6].as<Cents>();
    if (r[8].as<std::string>() == "exported") {
      ++exported;
      total += amount;
    }
    table.rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>(),
                          r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::int64_t>(), format_euros(amount),
                          static_cast<std::int64_t>(amount), r[7].as<std::string>()});
  }
  report.add("bordereaux", static_cast<std::int64_t>(table.rows.size()));
  report.add("exported", exported);
  report.add("exported_cents", total);
  report.table = std::move(table);
}

void show_bordereau(pqxx::transaction_base& tx, const BordereauKey& key, Report& report) {
  const auto b = find_bordereau(tx, key, false);
  const auto d = tx.exec_params1(
      "SELECT to_char(exported_at, 'DD/MM/YYYY HH24:MI'), piece_count, total_cents, file_name, file_sha256 "
      "FROM treasury_batches WHERE id = $1",
      b[0].as<std::int64_t>());
  report.details = {
      {"bordereau", b[2].as<std::int64_t>()},    {"exercise", b[3].as<std::int64_t>()},
      {"site", b[1].as<std::string>()},          {"state", b[4].as<std::string>()},
      {"exported_at", d[0].as<std::string>()},   {"cancelled_on", nullable(b[6])},
      {"cancel_reason", nullable(b[7])},         {"pieces", d[1].as<std::int64_t>()},
      {"total", format_euros(d[2].as<Cents>())}, {"total_cents", d[2].as<std::int64_t>()},
      {"file", d[3].as<std::string>()},          {"file_sha256", nullable(d[4])},
  };
  Table table{{"title", "invoice", "family_ref", "family", "up_to_instalment", "amount", "amount_cents"}, {}};
  Cents sum = 0;
  for (const auto& r : tx.exec_params(
           "SELECT p.title_number, i.number, f.external_ref, f.last_name || coalesce(' ' || f.first_name, ''), "
           "       n.number, p.amount_cents "
           "FROM treasury_pieces p JOIN invoices i ON i.id = p.invoice_id JOIN families f ON f.id = i.family_id "
           "LEFT JOIN instalments n ON n.id = p.instalment_id "
           "WHERE p.batch_id = $1 ORDER BY p.title_number",
           b[0].as<std::int64_t>())) {
    const Cents amount = r[5].as<Cents>();
    sum += amount;
    table.rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), nullable(r[2]), r[3].as<std::string>(),
                          r[4].is_null() ? Cell{} : Cell{r[4].as<std::int64_t>()}, format_euros(amount),
                          static_cast<std::int64_t>(amount)});
  }
  report.add("pieces", static_cast<std::int64_t>(table.rows.size()));
  report.add("total_cents", sum);
  report.table = std::move(table);
}

void cancel_bordereau(pqxx::transaction_base& tx, const BordereauKey& key, const std::string& reason,
                      const std::string& actor, Report& report) {
  if (is_blank(reason)) {
    throw UsageError("--reason: say why the bordereau is cancelled (e.g. the treasury's rejection)");
  }
  const auto b = find_bordereau(tx, key, true);
  const auto id = b[0].as<std::int64_t>();
  const std::string name =
      "bordereau " + b[2].as<std::string>() + " (" + b[1].as<std::string>() + ", " + b[3].as<std::string>() + ")";
  if (b[4].as<std::string>() == "cancelled") {
    throw DataError(name + " was already cancelled on " + b[6].as<std::string>() + ": " + b[7].as<std::string>());
  }
  const std::string why(trim_blank(reason));
  const auto old = tx.exec_params1("SELECT to_jsonb(b)::text FROM treasury_batches b WHERE id = $1", id)[0];
  tx.exec_params0(
      "UPDATE treasury_batches SET state = 'cancelled', cancelled_at = now(), cancel_reason = $2 WHERE id = $1", id,
      why);
  const auto cancelled = tx.exec_params1(
      "WITH c AS (UPDATE payments SET cancelled_at = now(), cancel_reason = $2 "
      "           WHERE treasury_batch_id = $1 AND cancelled_at IS NULL RETURNING amount_cents) "
      "SELECT count(*), coalesce(sum(amount_cents), 0)::bigint FROM c",
      id, name + " cancelled: " + why);
  tx.exec_params0(
      "INSERT INTO audit_log (actor, command, site_id, entity, entity_id, old_values, new_values) "
      "SELECT $1, 'treasury cancel', b.site_id, 'treasury_batch', b.id, $3::jsonb, to_jsonb(b) "
      "FROM treasury_batches b WHERE b.id = $2",
      actor, id, old.as<std::string>());
  const auto next = tx.exec_params1("SELECT max(number) + 1 FROM treasury_batches WHERE site_id = $1 AND exercise = $2",
                                    b[5].as<int>(), b[3].as<int>())[0];
  report.messages.push_back(name + " cancelled: " + cancelled[0].as<std::string>() + " TAV settlement(s) of " +
                            format_euros(cancelled[1].as<Cents>()) +
                            " cancelled; those invoices are due again, and the next export of " +
                            b[1].as<std::string>() + " in " + b[3].as<std::string>() + " will be bordereau " +
                            next.as<std::string>() + " (numbers are never reused)");
  report.add("cancelled", 1);
  report.add("cancelled_payments", cancelled[0].as<std::int64_t>());
  report.add("cancelled_cents", cancelled[1].as<std::int64_t>());
}

}  // namespace imuse::treasury
