#include "billing/documents.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "util/error.hpp"
#include "util/french.hpp"
#include "util/interrupt.hpp"

namespace imuse {

namespace {

// `sql` with its parameters $1..$count renumbered $(1+by)..$(count+by), so that it can follow
// `by` parameters of an enclosing query (the selection's WHERE clause, after the paging ones).
std::string shifted_parameters(std::string sql, int count, int by) {
  for (int k = count; k >= 1; --k) {
    const std::string from = "$" + std::to_string(k), to = "$" + std::to_string(k + by);
    for (std::size_t p = sql.find(from); p != std::string::npos; p = sql.find(from, p + to.size())) {
      sql.replace(p, from.size(), to);
    }
  }
  return sql;
}

// "{1,2,3}": a bigint[] parameter.
std::string array_literal(const std::vector<std::int64_t>& ids) {
  std::string s = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    s += (i ? "," : "") + std::to_string(ids[i]);
  }
  return s + "}";
}

Date date_of(const pqxx::field& f) {
  const auto d = parse_date(f.c_str());
  return d ? *d : Date{};
}

std::string text(const pqxx::field& f) {
  return f.is_null() ? "" : f.c_str();
}

pdf::Recipient recipient(const pqxx::row& r, int at) {
  pdf::Recipient p;
  const std::string civility = text(r[at]);
  p.name = (civility == "MME" ? "Mme "
            : civility == "M" ? "M. "
                              : "") +
           (text(r[at + 1]).empty() ? "" : text(r[at + 1]) + " ") + text(r[at + 2]);
  for (int k = 3; k <= 5; ++k) {
    if (!r[at + k].is_null())
      p.address.push_back(text(r[at + k]));
  }
  p.postal_code = text(r[at + 6]);
  p.city = text(r[at + 7]);
  p.country = text(r[at + 8]) == "FR" ? "" : text(r[at + 8]);
  return p;
}
// The columns recipient() reads, from families f.
const char* kFamilyColumns =
    "f.civility, f.first_name, f.last_name, f.address_line1, f.address_line2, f.address_line3, f.postal_code, "
    "f.city, f.country_code";

// The school as its documents show it: the site's own identity where it has one, else the
// configuration's (school.*, billing.*).
class Issuers {
 public:
  Issuers(pqxx::work& tx, const Config& config) {
    for (const auto& r : tx.exec("SELECT id, name, address_line1, address_line2, postal_code, city, phone, email "
                                 "FROM sites")) {
      pdf::Issuer i;
      i.name = config.get("school.name").empty() ? text(r[1]) : config.get("school.name");
      if (!r[2].is_null()) {
        i.address = {text(r[2])};
        if (!r[3].is_null())
          i.address.push_back(text(r[3]));
        i.postal_code = text(r[4]);
        i.city = text(r[5]);
      } else {
        if (!config.get("school.address").empty())
          i.address = {config.get("school.address")};
        i.postal_code = config.get("school.postal_code");
        i.city = config.get("school.city");
      }
      i.phone = r[6].is_null() ? config.get("school.phone") : format_phone(text(r[6]));
      i.email = r[7].is_null() ? config.get("school.email") : text(r[7]);
      i.website = config.get("school.website");
      i.siret = config.get("school.siret");
      if (i.siret.size() == 14) {  // as printed: 219 999 992 00015
        i.siret =
            i.siret.substr(0, 3) + " " + i.siret.substr(3, 3) + " " + i.siret.substr(6, 3) + " " + i.siret.substr(9);
      }
      i.legal_mentions = config.get("billing.legal_mentions");
      i.payee = config.get("billing.payee");
      i.iban = config.get("billing.iban");
      i.bic = config.get("billing.bic");
      i.payfip_url = config.get("billing.payfip_url");
      by_site_[r[0].as<int>()] = std::move(i);
    }
  }
  const pdf::Issuer& of(int site_id) const { return by_site_.at(site_id); }

 private:
  std::map<int, pdf::Issuer> by_site_;
};

// Writes `bytes` to dir/name through a temporary file in the same directory and a rename, so
// that no reader ever sees half a file. "" when done, else why not.
std::string write_atomically(const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir + "/" + name;
  // The temporary file sits next to the final one (same folder: `name` may be SITE/NUMBER.pdf).
  const std::filesystem::path final_path(path);
  const std::string tmp = (final_path.parent_path() / ("." + final_path.filename().string())).string() + ".tmp-" +
                          std::to_string(getpid()) + "-" +
                          std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()) % 100000);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return "cannot create " + tmp + ": " + std::strerror(errno);
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return "cannot write " + tmp + ": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return "cannot write " + path + ": " + why;
  }
  return "";
}

// One document of a batch: what to render, and how it went.
struct Item {
  std::int64_t id = 0;
  int site_id = 0;
  std::string number;
  std::string file;  // relative to --out: NUMBER.pdf, or SITE/NUMBER.pdf when several sites are printed
  std::string problem;  // set when it cannot be printed
  bool duplicata = false;
  std::function<std::string()> render;
  bool done = false;  // rendered (and written unless dry run)
};

// Renders the items on `jobs` threads and writes them (the database is not touched here). With
// one job, each document is written as soon as it is rendered. With more, one writer thread
// writes what the renderers hand it: files created and renamed in one directory by several
// threads at once contend in the kernel (ext4's directory lock), which made --jobs 2 slower than
// --jobs 1 here; a batch's bytes wait at most in memory (~500 × 30 KB).
void render_all(std::vector<Item>& items, const PrintOptions& options) {
  const bool writer = !options.dry_run && options.jobs > 1;
  std::vector<std::string> bytes(writer ? items.size() : 0);
  std::mutex mutex;
  std::condition_variable ready;
  std::vector<std::size_t> queue;
  std::size_t rendered = 0;  // items the renderers are done with (written or not)
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < items.size(); i = next++) {
      Item& item = items[i];
      bool hand_over = false;
      if (item.problem.empty()) {
        try {
          std::string pdf = item.render();
          if (options.dry_run) {
            item.done = true;
          } else if (writer) {
            bytes[i] = std::move(pdf);
            hand_over = true;
          } else {
            item.problem = write_atomically(options.out_dir, item.file, pdf);
            item.done = item.problem.empty();
          }
        } catch (const std::exception& e) {
          item.problem = std::string("cannot render: ") + e.what();
        }
      }
      if (writer) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (hand_over) queue.push_back(i);
        ++rendered;
        ready.notify_one();
      }
    }
  };
  std::thread writing;
  if (writer) {
    writing = std::thread([&] {
      std::unique_lock<std::mutex> lock(mutex);
      while (true) {
        ready.wait(lock, [&] { return !queue.empty() || rendered == items.size(); });
        if (queue.empty()) break;
        std::vector<std::size_t> take;
        take.swap(queue);
        lock.unlock();
        for (const std::size_t i : take) {
          items[i].problem = write_atomically(options.out_dir, items[i].file, bytes[i]);
          items[i].done = items[i].problem.empty();
          std::string().swap(bytes[i]);
        }
        lock.lock();
      }
    });
  }
  std::vector<std::thread> threads;
  for (int t = 1; t < options.jobs; ++t) {
    threads.emplace_back(work);
  }
  work();
  for (auto& t : threads) {
    t.join();
  }
  if (writing.joinable()) {
    writing.join();
  }
}

// A file name must be the document number alone: no path, nothing a shell would trip on.
bool safe_file_name(const std::string& s) {
  if (s.empty() || s.size() > 64)
    return false;
  for (const char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

void prepare_out_dir(const PrintOptions& options) {
  if (options.dry_run)
    return;
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (!std::filesystem::is_directory(options.out_dir)) {
    throw OutputError("cannot use --out " + options.out_dir + ": " +
                      (ec ? ec.message() : std::string("not a directory")));
  }
}

// The common loop: ids a batch at a time (keyset on id), read, render on threads while the next
// batch is read, then mark what was written.
struct Kind {
  const char* noun;  // "invoices"
  std::string count_sql;
  std::string sites_sql;  // the codes of the sites of the selection (same parameters as count_sql)
  std::string ids_sql;  // $1 = last id, $2 = limit, then the selection parameters
  std::function<std::vector<Item>(const std::vector<std::int64_t>&)> read;
  std::function<void(const std::vector<std::int64_t>& first, const std::vector<std::int64_t>& again)> mark;
};

// The queries of a selection given by its WHERE clause (FROM ... WHERE ..., the six selection
// parameters, a `s` alias for sites) and the column of the printed rows' ids.
Kind selection_kind(const char* noun, const std::string& id_column, const std::string& where) {
  Kind kind;
  kind.noun = noun;
  kind.count_sql = "SELECT count(*)" + where;
  kind.sites_sql = "SELECT DISTINCT s.id, s.code" + where;
  kind.ids_sql = "SELECT " + id_column + shifted_parameters(where, 6, 2) + " AND " + id_column + " > $1 ORDER BY " +
                 id_column + " LIMIT $2";
  return kind;
}

// What printing invoices and printing receipts both set up: the fonts and logo, the renderer,
// the sites' identities, and the documents' date.
struct Printing {
  Printing(pqxx::work& tx, const Config& config, const PrintOptions& options)
      : assets(pdf::Assets::load(config.get("pdf.font"), config.get("pdf.font_bold"), config.get("school.logo"))),
        renderer(assets),
        issuers(tx, config),
        epoch(pdf::document_epoch(options.now)) {}
  Printing(const Printing&) = delete;
  Printing& operator=(const Printing&) = delete;

  const std::shared_ptr<const pdf::Assets> assets;
  const pdf::Renderer renderer;
  const Issuers issuers;
  const std::int64_t epoch;
};

void run_batches(pqxx::work& tx, const Kind& kind, const std::vector<std::string>& params, const PrintOptions& options,
                 Progress& progress, Report& report) {
  prepare_out_dir(options);
  std::vector<std::string> count_params = params;
  const auto total = tx.exec_params1(kind.count_sql, count_params[0], count_params[1], count_params[2], count_params[3],
                                     count_params[4], count_params[5])[0]
                         .as<std::int64_t>();
  // Numbers repeat across sites (each counts from 1): a selection that spans several sites puts
  // each site's files in a folder of its own, DIR/CONS1/FACT….pdf, so that none overwrites another.
  std::map<int, std::string> folders;
  {
    const auto sites = tx.exec_params(kind.sites_sql, params[0], params[1], params[2], params[3], params[4], params[5]);
    if (sites.size() > 1) {
      for (const auto& r : sites) {
        const std::string code = r[1].as<std::string>();
        std::error_code ec;
        std::filesystem::create_directories(options.out_dir + "/" + code, ec);
        if (!std::filesystem::is_directory(options.out_dir + "/" + code)) {
          throw OutputError("cannot create " + options.out_dir + "/" + code + ": " +
                            (ec ? ec.message() : std::string("not a folder")));
        }
        folders[r[0].as<int>()] = code + "/";
      }
    }
  }
  progress.start(std::string("rendering ") + kind.noun, static_cast<std::size_t>(total));
  std::int64_t last = 0;
  const auto fetch = [&]() -> std::vector<Item> {
    std::vector<std::int64_t> ids;
    for (const auto& r : tx.exec_params(kind.ids_sql, last, options.batch, params[0], params[1], params[2], params[3],
                                        params[4], params[5])) {
      ids.push_back(r[0].as<std::int64_t>());
    }
    if (ids.empty())
      return {};
    last = ids.back();
    std::vector<Item> items = kind.read(ids);
    for (Item& item : items) {
      const auto folder = folders.find(item.site_id);
      item.file = (folder == folders.end() ? std::string() : folder->second) + item.number + ".pdf";
    }
    return items;
  };
  // Where the time goes (IMUSE_PDF_TIMINGS=1 adds it to the messages): reading, waiting for
  // the renderers once the next batch is read, marking.
  using clock = std::chrono::steady_clock;
  clock::duration reading{}, waiting{}, marking{};
  auto t0 = clock::now();
  std::vector<Item> current = fetch();
  reading += clock::now() - t0;
  report.add(kind.noun, 0);
  report.add("written", 0);
  report.add("first prints", 0);
  report.add("duplicata", 0);
  // Counts a rendered batch and marks what was written (in the database, on this thread).
  std::vector<Item> done;
  const auto settle = [&] {
    std::vector<std::int64_t> first, again;
    for (const Item& item : done) {
      report.add(kind.noun);
      if (!item.done) {
        report.rejected.push_back({item.number.empty() ? "id " + std::to_string(item.id) : item.number, item.problem});
        continue;
      }
      if (!options.dry_run)
        report.add("written");
      (item.duplicata ? again : first).push_back(item.id);
      report.add(item.duplicata ? "duplicata" : "first prints");
    }
    const auto t = clock::now();
    kind.mark(first, again);
    marking += clock::now() - t;
    progress.advance(done.size());
    done.clear();
  };
  // While batch k renders, batch k-1 is marked and batch k+1 read.
  while (!current.empty()) {
    std::vector<Item> next;
    std::thread renderer([&] { render_all(current, options); });
    try {
      settle();
      t0 = clock::now();
      next = fetch();
      reading += clock::now() - t0;
    } catch (...) {
      renderer.join();
      throw;
    }
    t0 = clock::now();
    renderer.join();
    waiting += clock::now() - t0;
    check_interrupted();
    done = std::move(current);
    current = std::move(next);
  }
  settle();
  progress.finish();
  if (const char* t = std::getenv("IMUSE_PDF_TIMINGS"); t != nullptr && *t == '1') {
    const auto ms = [](clock::duration d) {
      return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
    };
    report.messages.push_back("timings: reading " + ms(reading) + ", waiting for the renderers " + ms(waiting) +
                              ", marking " + ms(marking));
  }
  if (options.dry_run) {
    report.messages.push_back("dry run: " + std::to_string(report.count("first prints") + report.count("duplicata")) +
                              " " + kind.noun + " rendered, no file written to " + options.out_dir);
  } else {
    report.messages.push_back("wrote " + std::to_string(report.count("written")) + " PDF files to " + options.out_dir);
  }
}

// $3..$8 of the id queries: id, number, family, year, unprinted, site.
std::vector<std::string> selection_params(const DocumentSelection& s) {
  return {s.id ? std::to_string(*s.id) : "", s.number,   s.family_id ? std::to_string(*s.family_id) : "", s.school_year,
          s.unprinted ? "t" : "f",           s.site_code};
}

}  // namespace

std::vector<pdf::InvoiceDocument> read_invoices(pqxx::work& tx, const std::vector<std::int64_t>& ids) {
  const std::string list = array_literal(ids);
  std::vector<pdf::InvoiceDocument> docs;
  std::map<std::int64_t, std::size_t> at;
  // Balances as the invoice_balances view computes them, for these invoices only.
  for (const auto& r : tx.exec_params(
           std::string("SELECT i.id, i.number, i.kind, ci.number, i.issued_on, i.due_on, i.school_year, i.ledger, "
                       "i.label, COALESCE(i.payfip_reference, i.number), i.family_id, i.total_cents, "
                       "COALESCE(c.credited, 0), COALESCE(p.paid, 0), ") +
               kFamilyColumns +
               " FROM invoices i JOIN families f ON f.id = i.family_id "
               "LEFT JOIN invoices ci ON ci.id = i.corrects_invoice_id "
               "LEFT JOIN LATERAL (SELECT sum(total_cents)::bigint AS credited FROM invoices c "
               "  WHERE c.corrects_invoice_id = i.id AND c.kind = 'credit_note') c ON true "
               "LEFT JOIN LATERAL (SELECT sum(amount_cents)::bigint AS paid FROM payments p "
               "  WHERE p.invoice_id = i.id AND p.cancelled_at IS NULL) p ON true "
               "WHERE i.id = ANY($1::bigint[]) ORDER BY i.id",
           list)) {
    pdf::InvoiceDocument d;
    d.number = text(r[1]);
    d.credit_note = text(r[2]) == "credit_note";
    d.corrects_number = text(r[3]);
    d.issued_on = date_of(r[4]);
    d.due_on = date_of(r[5]);
    d.school_year = text(r[6]);
    d.ledger = text(r[7]);
    d.label = text(r[8]);
    d.payfip_reference = text(r[9]);
    d.family_id = r[10].as<std::int64_t>();
    d.total = r[11].as<std::int64_t>();
    d.credited = r[12].as<std::int64_t>();
    d.paid = r[13].as<std::int64_t>();
    d.due = d.credit_note ? 0 : d.total - d.credited - d.paid;
    d.recipient = recipient(r, 14);
    at[r[0].as<std::int64_t>()] = docs.size();
    docs.push_back(std::move(d));
  }
  for (const auto& r :
       tx.exec_params("SELECT l.invoice_id, l.label, COALESCE(s.first_name || ' ' || s.last_name, s.last_name, ''), "
                      "l.quantity, l.unit_price_cents, l.discount_cents, l.amount_cents "
                      "FROM invoice_lines l LEFT JOIN students s ON s.id = l.student_id "
                      "WHERE l.invoice_id = ANY($1::bigint[]) ORDER BY l.invoice_id, l.position",
                      list)) {
    docs[at.at(r[0].as<std::int64_t>())].lines.push_back({text(r[1]), text(r[2]), r[3].as<int>(),
                                                          r[4].as<std::int64_t>(), r[5].as<std::int64_t>(),
                                                          r[6].as<std::int64_t>()});
  }
  for (const auto& r : tx.exec_params("SELECT invoice_id, number, due_on, amount_cents, direct_debit FROM instalments "
                                      "WHERE invoice_id = ANY($1::bigint[]) ORDER BY invoice_id, number",
                                      list)) {
    docs[at.at(r[0].as<std::int64_t>())].instalments.push_back(
        {r[1].as<int>(), date_of(r[2]), r[3].as<std::int64_t>(), r[4].as<bool>()});
  }
  return docs;
}

void print_invoice_pdfs(pqxx::work& tx, const Config& config, const DocumentSelection& selection,
                        const PrintOptions& options, Progress& progress, Report& report) {
  const Printing printing(tx, config, options);
  const auto& renderer = printing.renderer;
  const auto& issuers = printing.issuers;
  const std::int64_t epoch = printing.epoch;
  // A cancelled invoice is printed only when asked for by number or id (and then refused).
  const std::string where =
      " FROM invoices i JOIN sites s ON s.id = i.site_id WHERE "
      "(NULLIF($1, '')::bigint IS NULL OR i.id = NULLIF($1, '')::bigint) AND ($2 = '' OR i.number = $2 OR "
      "i.payfip_reference = $2) "
      "AND (NULLIF($3, '')::bigint IS NULL OR i.family_id = NULLIF($3, '')::bigint) AND ($4 = '' OR i.school_year = "
      "$4) "
      "AND (NOT $5::boolean OR i.printed_at IS NULL) AND ($6 = '' OR s.code = $6) "
      "AND (i.state = 'issued' OR $1 <> '' OR $2 <> '')";
  Kind kind = selection_kind("invoices", "i.id", where);
  kind.read = [&](const std::vector<std::int64_t>& batch) {
    std::map<std::int64_t, std::tuple<int, bool, bool>> state;  // id -> site, printed, cancelled
    for (const auto& r : tx.exec_params("SELECT id, site_id, printed_at IS NOT NULL, state = 'cancelled' "
                                        "FROM invoices WHERE id = ANY($1::bigint[])",
                                        array_literal(batch))) {
      state[r[0].as<std::int64_t>()] = {r[1].as<int>(), r[2].as<bool>(), r[3].as<bool>()};
    }
    auto docs = std::make_shared<std::vector<pdf::InvoiceDocument>>(read_invoices(tx, batch));
    std::vector<Item> items;
    for (std::size_t i = 0; i < docs->size(); ++i) {
      const auto [site, printed, cancelled] = state.at(batch[i]);
      pdf::InvoiceDocument& d = (*docs)[i];
      d.duplicata = printed || options.duplicata;
      Item item;
      item.id = batch[i];
      item.site_id = site;
      item.number = d.number;
      item.duplicata = d.duplicata;
      if (cancelled) {
        item.problem = "the invoice is cancelled: it is not printed";
      } else if (!safe_file_name(d.number)) {
        item.problem = "the invoice number cannot be a file name";
      }
      const pdf::Issuer* issuer = &issuers.of(site);
      item.render = [&renderer, issuer, docs, i, epoch] { return renderer.invoice(*issuer, (*docs)[i], epoch); };
      items.push_back(std::move(item));
    }
    return items;
  };
  kind.mark = [&](const std::vector<std::int64_t>& first, const std::vector<std::int64_t>& again) {
    if (!first.empty()) {
      tx.exec_params("UPDATE invoices SET printed_at = now() WHERE id = ANY($1::bigint[]) AND printed_at IS NULL",
                     array_literal(first));
    }
    if (!again.empty()) {
      tx.exec_params(
          "UPDATE invoices SET printed_at = COALESCE(printed_at, now()), "
          "duplicata_count = duplicata_count + 1 WHERE id = ANY($1::bigint[])",
          array_literal(again));
    }
  };
  run_batches(tx, kind, selection_params(selection), options, progress, report);
}

void print_receipt_pdfs(pqxx::work& tx, const Config& config, const DocumentSelection& selection,
                        const PrintOptions& options, Progress& progress, Report& report) {
  const Printing printing(tx, config, options);
  const auto& renderer = printing.renderer;
  const auto& issuers = printing.issuers;
  const std::int64_t epoch = printing.epoch;
  // Payments transferred to the treasury (TAV) have no receipt; a cancelled one is printed
  // only when asked for by id or number (and then refused).
  const std::string where =
      " FROM payments p JOIN invoices i ON i.id = p.invoice_id JOIN sites s ON s.id = i.site_id WHERE "
      "p.mode <> 'tav' AND (NULLIF($1, '')::bigint IS NULL OR p.id = NULLIF($1, '')::bigint) AND ($2 = '' OR "
      "p.operation_number = $2) "
      "AND (NULLIF($3, '')::bigint IS NULL OR i.family_id = NULLIF($3, '')::bigint) AND ($4 = '' OR i.school_year = "
      "$4) "
      "AND (NOT $5::boolean OR p.receipt_printed_at IS NULL) AND ($6 = '' OR s.code = $6) "
      "AND (p.cancelled_at IS NULL OR $1 <> '' OR $2 <> '')";
  Kind kind = selection_kind("receipts", "p.id", where);
  kind.read = [&](const std::vector<std::int64_t>& batch) {
    // Remaining due: the invoice's total, less its credit notes and the payments made up to
    // and including this one (by date, then id).
    auto docs = std::make_shared<std::vector<pdf::ReceiptDocument>>();
    std::vector<Item> items;
    for (const auto& r : tx.exec_params(
             std::string("SELECT p.id, p.operation_number, p.paid_on, p.amount_cents, p.mode, p.reference, "
                         "p.receipt_printed_at IS NOT NULL, p.cancelled_at IS NOT NULL, i.number, i.school_year, "
                         "i.ledger, i.total_cents, i.family_id, i.site_id, "
                         "i.total_cents - COALESCE((SELECT sum(c.total_cents) FROM invoices c "
                         "  WHERE c.corrects_invoice_id = i.id AND c.kind = 'credit_note'), 0) "
                         "- (SELECT COALESCE(sum(q.amount_cents), 0) FROM payments q WHERE q.invoice_id = i.id "
                         "  AND q.cancelled_at IS NULL AND (q.paid_on, q.id) <= (p.paid_on, p.id)), ") +
                 kFamilyColumns +
                 " FROM payments p JOIN invoices i ON i.id = p.invoice_id JOIN families f ON f.id = i.family_id "
                 "WHERE p.id = ANY($1::bigint[]) ORDER BY p.id",
             array_literal(batch))) {
      pdf::ReceiptDocument d;
      d.number = text(r[1]);
      d.paid_on = date_of(r[2]);
      d.amount = r[3].as<std::int64_t>();
      d.mode = text(r[4]);
      d.reference = text(r[5]);
      d.duplicata = r[6].as<bool>() || options.duplicata;
      d.invoice_number = text(r[8]);
      d.school_year = text(r[9]);
      d.ledger = text(r[10]);
      d.invoice_total = r[11].as<std::int64_t>();
      d.family_id = r[12].as<std::int64_t>();
      d.remaining_due = std::max<std::int64_t>(0, r[14].as<std::int64_t>());
      d.payer = recipient(r, 15);
      Item item;
      item.id = r[0].as<std::int64_t>();
      item.site_id = r[13].as<int>();
      item.number = d.number;
      item.duplicata = d.duplicata;
      if (r[7].as<bool>()) {
        item.problem = "the payment is cancelled: it has no receipt";
      } else if (d.number.empty()) {
        item.problem = "the payment has no receipt number (payments.operation_number)";
      } else if (!safe_file_name(d.number)) {
        item.problem = "the receipt number cannot be a file name";
      }
      const pdf::Issuer* issuer = &issuers.of(r[13].as<int>());
      const std::size_t i = docs->size();
      docs->push_back(std::move(d));
      item.render = [&renderer, issuer, docs, i, epoch] { return renderer.receipt(*issuer, (*docs)[i], epoch); };
      items.push_back(std::move(item));
    }
    return items;
  };
  kind.mark = [&](const std::vector<std::int64_t>& first, const std::vector<std::int64_t>& again) {
    std::vector<std::int64_t> all = first;
    all.insert(all.end(), again.begin(), again.end());
    if (!all.empty()) {
      tx.exec_params(
          "UPDATE payments SET receipt_printed_at = COALESCE(receipt_printed_at, now()) "
          "WHERE id = ANY($1::bigint[])",
          array_literal(all));
    }
  };
  run_batches(tx, kind, selection_params(selection), options, progress, report);
}

}  // namespace imuse
