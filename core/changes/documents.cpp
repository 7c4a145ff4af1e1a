// Uploaded documents: what the bytes really are, the office's verdict, `documents list` and
// `documents get`.
#include "changes/documents.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "campaign/campaigns.hpp"
#include "changes/decision.hpp"
#include "sites/sites.hpp"
#include "util/error.hpp"

namespace imuse {

namespace {

constexpr std::string_view kPngSignature{"\x89PNG\r\n\x1a\n", 8};
constexpr std::string_view kPngEnd{"IEND\xae\x42\x60\x82", 8};
constexpr std::string_view kJpegEnd{"\xff\xd9", 2};
// End markers may be followed by padding or an incremental-update trailer: look this far back.
constexpr std::size_t kTailBytes = 1024;

unsigned char byte_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string mime_type(FileType type) {
  switch (type) {
    case FileType::pdf:
      return "application/pdf";
    case FileType::jpeg:
      return "image/jpeg";
    case FileType::png:
      return "image/png";
    default:
      return "";
  }
}

FileType detect_file_type(std::string_view bytes) {
  const std::string_view tail = bytes.substr(bytes.size() > kTailBytes ? bytes.size() - kTailBytes : 0);
  if (bytes.size() >= 8 && bytes.substr(0, 5) == "%PDF-" && is_digit(bytes[5]) && bytes[6] == '.' &&
      is_digit(bytes[7])) {
    return tail.find("%%EOF") != std::string_view::npos ? FileType::pdf : FileType::unknown;
  }
  // SOI, then the first marker (APPn, DQT, SOF...: FF C0..FE).
  if (bytes.size() >= 6 && byte_at(bytes, 0) == 0xFF && byte_at(bytes, 1) == 0xD8 && byte_at(bytes, 2) == 0xFF &&
      byte_at(bytes, 3) >= 0xC0 && byte_at(bytes, 3) != 0xFF) {
    return tail.find(kJpegEnd) != std::string_view::npos ? FileType::jpeg : FileType::unknown;
  }
  // Signature, then the IHDR chunk (length 13) first, and IEND with its fixed CRC last.
  if (bytes.size() >= 8 + 25 + 12 && bytes.substr(0, 8) == kPngSignature && bytes.substr(12, 4) == "IHDR") {
    return tail.find(kPngEnd) != std::string_view::npos ? FileType::png : FileType::unknown;
  }
  return FileType::unknown;
}

std::string french_size(std::size_t bytes) {
  if (bytes < 1024) {
    return std::to_string(bytes) + (bytes < 2 ? " octet" : " octets");
  }
  if (bytes < 1024 * 1024) {
    return std::to_string((bytes + 512) / 1024) + " Ko";
  }
  const std::size_t tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
  return std::to_string(tenths / 10) + "," + std::to_string(tenths % 10) + " Mo";
}

FileVerdict check_document_file(std::string_view bytes) {
  FileVerdict v;
  v.type = detect_file_type(bytes);
  if (bytes.empty()) {
    v.problem = "le fichier est vide";
  } else if (bytes.size() > kDocumentMaxBytes) {
    v.problem = "le fichier (" + french_size(bytes.size()) + ") dépasse la limite de 2 Mo par document";
  } else if (v.type == FileType::unknown) {
    v.problem = "le fichier n'est pas un document PDF ni une image JPEG ou PNG lisible (format non accepté, ou "
                "fichier endommagé ou incomplet)";
  }
  return v;
}

namespace changes {

namespace {

struct StoredFile {
  std::string content;
  std::string declared_type;
  std::string file_name;
  std::string state;
  std::string type_label;
  std::string uploaded;
  std::string sha256;
};

StoredFile load_file(pqxx::transaction_base& tx, std::int64_t document_id) {
  const auto r = tx.exec_params1(
      "SELECT d.content, coalesce(d.content_type, ''), coalesce(d.file_name, ''), d.state, t.label, "
      "       coalesce(to_char(d.uploaded_at, 'DD/MM/YYYY HH24:MI'), ''), coalesce(d.sha256, '') "
      "FROM documents d JOIN document_types t ON t.id = d.document_type_id WHERE d.id = $1",
      document_id);
  StoredFile f;
  if (!r[0].is_null()) {
    f.content = pqxx::binarystring(r[0]).str();
  }
  f.declared_type = r[1].as<std::string>();
  f.file_name = r[2].as<std::string>();
  f.state = r[3].as<std::string>();
  f.type_label = r[4].as<std::string>();
  f.uploaded = r[5].as<std::string>();
  f.sha256 = r[6].as<std::string>();
  return f;
}

nlohmann::json variables_of(const StoredFile& f) {
  return {{"document",
           {{"label", f.type_label},
            {"file_name", f.file_name},
            {"size", french_size(f.content.size())},
            {"uploaded", f.uploaded}}}};
}

}  // namespace

nlohmann::json document_variables(pqxx::transaction_base& tx, const ChangeRow& change) {
  return variables_of(load_file(tx, change.document_id.value_or(0)));
}

std::optional<Decision> approve_document(DecisionContext& ctx, const ChangeRow& change) {
  const std::int64_t document_id = change.document_id.value_or(0);
  const StoredFile f = load_file(ctx.tx, document_id);
  if (f.state != "transmis") {
    ctx.report.add("failed");
    ctx.report.rejected.push_back({change.label, "document " + std::to_string(document_id) + " is in state " + f.state +
                                                     ", not transmis: nothing to validate"});
    return std::nullopt;
  }
  const FileVerdict verdict = check_document_file(f.content);
  Decision d;
  d.variables = variables_of(f);
  d.audit_new = {{"document_id", document_id},
                 {"detected_type", mime_type(verdict.type)},
                 {"declared_type", f.declared_type},
                 {"size_bytes", f.content.size()}};
  if (!verdict.problem.empty()) {
    d.approved = false;
    d.reason = verdict.problem;
    d.mail_template = "document_refused";
    ctx.report.warnings.push_back(change.label + ": document refused: " + verdict.problem);
    return d;
  }
  const std::string real = mime_type(verdict.type);
  if (real != f.declared_type) {
    // The name lied (a PNG saved as .pdf): the file is acceptable; store what it really is.
    ctx.tx.exec_params0("UPDATE documents SET content_type = $2 WHERE id = $1", document_id, real);
    ctx.report.warnings.push_back(change.label + ": \"" + f.file_name + "\" was declared " + f.declared_type +
                                  " but is " + real + "; validated, stored type corrected");
  }
  d.mail_template = "document_validated";
  return d;
}

void show_document(pqxx::transaction_base& tx, const ChangeRow& change, Report& report) {
  const std::int64_t document_id = change.document_id.value_or(0);
  const StoredFile f = load_file(tx, document_id);
  const FileVerdict verdict = check_document_file(f.content);
  const std::string detected = mime_type(verdict.type);
  report.details.emplace_back("document_id", document_id);
  report.details.emplace_back("document", f.type_label);
  report.details.emplace_back("document_state", f.state);
  report.details.emplace_back("file_name", f.file_name);
  report.details.emplace_back("size", std::to_string(f.content.size()) + " bytes (" + french_size(f.content.size()) + ")");
  report.details.emplace_back("declared_type", f.declared_type);
  report.details.emplace_back("detected_type", detected.empty() ? std::string("not PDF, JPEG or PNG") : detected);
  report.details.emplace_back("sha256", f.sha256);
  report.details.emplace_back("uploaded", f.uploaded);
  report.details.emplace_back("verdict", verdict.problem.empty() ? std::string("acceptable") : "refused on approval: " +
                                                                                                  verdict.problem);
}

}  // namespace changes

void list_documents(pqxx::transaction_base& tx, const DocumentListOptions& options, Report& report) {
  if (!options.site.empty()) {
    require_site(tx, options.site);
  }
  std::string rows_sql;
  std::int64_t campaign_id = 0;
  if (options.campaign.empty()) {
    rows_sql =
        "SELECT d.id AS document_id, d.family_id, d.student_id, d.document_type_id, d.state, d.file_name, "
        "       d.size_bytes, d.uploaded_at FROM documents d WHERE $3::bigint = 0 OR d.campaign_id = $3";
  } else {
    const StoredCampaign campaign = find_campaign(tx, options.campaign, options.site);
    campaign_id = campaign.id;
    stage_eligible(tx, campaign);
    stage_owed_documents(tx, campaign);
    // What the campaign asks (owed) joined to what is stored: a missing row is 'a_fournir'.
    rows_sql =
        "SELECT d.id AS document_id, coalesce(o.family_id, d.family_id) AS family_id, "
        "       coalesce(o.student_id, d.student_id) AS student_id, "
        "       coalesce(o.document_type_id, d.document_type_id) AS document_type_id, "
        "       coalesce(d.state, 'a_fournir') AS state, d.file_name, d.size_bytes, d.uploaded_at "
        "FROM campaign_owed o FULL JOIN (SELECT * FROM documents WHERE campaign_id = $3) d "
        "  ON d.document_type_id = o.document_type_id AND d.family_id = o.family_id "
        " AND coalesce(d.student_id, 0) = coalesce(o.student_id, 0)";
  }
  const auto rows = tx.exec_params(
      "SELECT x.document_id, s.code, coalesce(f.external_ref || ' ', '') || f.last_name || coalesce(' ' || f.first_name, ''), "
      "       st.first_name || ' ' || st.last_name, t.label, t.mandatory, x.state, x.file_name, x.size_bytes, "
      "       to_char(x.uploaded_at, 'DD/MM/YYYY HH24:MI') "
      "FROM (" + rows_sql + ") x JOIN families f ON f.id = x.family_id JOIN sites s ON s.id = f.site_id "
      "JOIN document_types t ON t.id = x.document_type_id LEFT JOIN students st ON st.id = x.student_id "
      "WHERE ($1 = '' OR s.code = $1) AND (NOT $2 OR x.state IN ('a_fournir', 'refuse')) "
      "ORDER BY s.code, f.last_name, f.id, st.birth_date NULLS FIRST, st.first_name, t.position, t.label",
      options.site, options.missing, campaign_id);
  Table table{{"document_id", "site", "family", "student", "document", "mandatory", "state", "file", "uploaded"}, {}};
  for (const auto& r : rows) {
    std::string file;
    if (!r[7].is_null()) {
      file = r[7].as<std::string>() + (r[8].is_null() ? "" : " (" + french_size(r[8].as<std::size_t>()) + ")");
    }
    table.rows.push_back({r[0].is_null() ? Cell{} : Cell{r[0].as<std::int64_t>()}, r[1].as<std::string>(),
                          r[2].as<std::string>(), changes::text_cell(r[3]), r[4].as<std::string>(), r[5].as<bool>(),
                          r[6].as<std::string>(), file.empty() ? Cell{} : Cell{file}, changes::text_cell(r[9])});
  }
  report.add("documents", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void get_document(pqxx::transaction_base& tx, std::int64_t id, const std::string& out, Report& report) {
  const auto rows = tx.exec_params("SELECT content, file_name, state, sha256 FROM documents WHERE id = $1", id);
  if (rows.empty()) {
    throw DataError("no document with id " + std::to_string(id) + " (see `imuse-admin documents list`)");
  }
  if (rows[0][0].is_null()) {
    throw DataError("document " + std::to_string(id) + " has no stored file (state " + rows[0][2].as<std::string>() +
                    ")");
  }
  const std::string content = pqxx::binarystring(rows[0][0]).str();
  // A new file only, readable by its owner only: these are personal documents.
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int e = errno;
    throw OutputError(out + (e == EEXIST ? ": the file exists; it is never overwritten (choose another --out)"
                                         : ": cannot create it: " + std::string(std::strerror(e))));
  }
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (ok && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    ok = n > 0;
    done += ok ? static_cast<std::size_t>(n) : 0;
  }
  const int e = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(out.c_str());
    throw OutputError(out + ": cannot write it: " + std::string(std::strerror(e)));
  }
  const std::string detected = mime_type(detect_file_type(content));
  report.details = {{"document_id", id},
                    {"file_name", rows[0][1].is_null() ? Cell{} : Cell{rows[0][1].as<std::string>()}},
                    {"written_to", out},
                    {"bytes", static_cast<std::int64_t>(content.size())},
                    {"sha256", rows[0][3].as<std::string>()},
                    {"detected_type", detected.empty() ? std::string("not PDF, JPEG or PNG") : detected}};
  report.add("bytes_written", static_cast<std::int64_t>(content.size()));
}

}  // namespace imuse
