#include <catch2/catch.hpp>

#include <functional>
#include <sstream>

#include "temp_dir.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"

using namespace imuse;

namespace {

using Fields = std::vector<std::string>;

std::vector<CsvRecord> read_all(CsvReader& reader) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.next(record)) {
    records.push_back(record);
  }
  return records;
}

// The message of the DataError that `f` throws, or "no error".
std::string data_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

std::string read_file_error(const std::string& path, const CsvOptions& options = {}) {
  return data_error([&] {
    CsvReader reader(path, options);
    read_all(reader);
  });
}

std::string cp1252(const std::string& utf8) {
  return utf8_to_windows1252(utf8).value();
}

}  // namespace

TEST_CASE("a Windows-1252 semicolon file from Excel reads as UTF-8, raw bytes untouched", "[csv]") {
  TempDir dir;
  const std::string header = "Réf famille;Nom;Prénom;Adresse;Ville\r\n";
  const std::string row1 = "F001;Lefèvre;Maëlle;\"12 rue de l'Église\r\nBât. « Les Chênes »\";Saint-Étienne\r\n";
  const std::string row2 = "F002;Cœur;François;3 allée des Mûriers;Pont-à-Mousson\r\n";
  const std::string row3 = "F003;Da Costa;Loïc;\"1 place du Marché ; 5 €\";Sète\r\n";
  const std::string bytes = cp1252(header + row1 + row2 + row3);
  REQUIRE(bytes.find("\xE9") != std::string::npos);  // really single-byte accents
  const auto path = dir.write("excel.csv", bytes);

  CsvReader reader(path);
  CHECK(reader.encoding() == Encoding::windows1252);
  CHECK(reader.delimiter() == ';');
  CHECK_FALSE(reader.had_bom());
  CHECK(reader.path() == path);
  CHECK(reader.header().fields == Fields{"Réf famille", "Nom", "Prénom", "Adresse", "Ville"});
  CHECK(reader.header().raw == cp1252(header));
  const auto records = read_all(reader);
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields ==
        Fields{"F001", "Lefèvre", "Maëlle", "12 rue de l'Église\nBât. « Les Chênes »", "Saint-Étienne"});
  CHECK(records[0].line == 2);
  CHECK(records[0].end_line == 3);
  CHECK(records[0].raw == cp1252(row1));
  CHECK(records[1].fields == Fields{"F002", "Cœur", "François", "3 allée des Mûriers", "Pont-à-Mousson"});
  CHECK(records[1].line == 4);
  CHECK(records[2].fields[3] == "1 place du Marché ; 5 €");
  CHECK(records[2].raw == cp1252(row3));
  CHECK(records[2].fields[4] == "Sète");
}

TEST_CASE("a UTF-8 file with BOM and ',' keeps the BOM out of the first field but in the raw header", "[csv]") {
  TempDir dir;
  const std::string bytes = "\xEF\xBB\xBFRéf famille,Nom,Prénom\nF1,Hélène,Zoé\nF2,\"Noël, Jr\",Œdipe\n";
  const auto path = dir.write("bom.csv", bytes);
  CsvReader reader(path);
  CHECK(reader.had_bom());
  CHECK(reader.encoding() == Encoding::utf8);
  CHECK(reader.delimiter() == ',');
  CHECK(reader.header().fields == Fields{"Réf famille", "Nom", "Prénom"});
  CHECK(reader.header().raw == "\xEF\xBB\xBFRéf famille,Nom,Prénom\n");
  const auto records = read_all(reader);
  REQUIRE(records.size() == 2);
  CHECK(records[1].fields == Fields{"F2", "Noël, Jr", "Œdipe"});

  std::string rebuilt = reader.header().raw;
  for (const auto& r : records) {
    rebuilt += r.raw;
  }
  CHECK(rebuilt == bytes);
}

TEST_CASE("a BOM on a blank first line still starts the header's raw bytes", "[csv]") {
  TempDir dir;
  CsvReader reader(dir.write("f.csv", "\xEF\xBB\xBF\r\nNom;Ville\r\nA;B\r\n"));
  CHECK(reader.header().line == 2);
  CHECK(reader.header().fields == Fields{"Nom", "Ville"});
  CHECK(reader.header().raw == "\xEF\xBB\xBFNom;Ville\r\n");
}

TEST_CASE("a tab-separated file is detected and empty fields are kept", "[csv]") {
  TempDir dir;
  CsvReader reader(dir.write("tab.txt", "Nom\tPrénom\tVille\nMartin\t\tLyon\n\t\t\n"));
  CHECK(reader.delimiter() == '\t');
  const auto records = read_all(reader);
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"Martin", "", "Lyon"});
  CHECK(records[1].fields == Fields{"", "", ""});
}

TEST_CASE("multi-line quoted fields, doubled quotes, blank lines and line numbers", "[csv]") {
  TempDir dir;
  const std::string header = "Nom;Adresse;Ville\n";
  const std::string row2 = "Durand;1 rue A;Paris\n";
  const std::string blanks = "\n\r\n";  // lines 3 and 4
  const std::string row5 = "Martin;\"12 rue \"\"Les Lilas\"\"\nBât B; 2e étage\nEsc. 3\";Lyon\n";
  const std::string row8 = "Petit;\"\";Nice";  // last line, no newline
  const auto path = dir.write("multi.csv", header + row2 + blanks + row5 + row8);

  CsvReader reader(path);
  const auto records = read_all(reader);
  REQUIRE(records.size() == 3);
  CHECK(records[0].line == 2);
  CHECK(records[0].end_line == 2);
  CHECK(records[1].line == 5);
  CHECK(records[1].end_line == 7);
  CHECK(records[1].fields == Fields{"Martin", "12 rue \"Les Lilas\"\nBât B; 2e étage\nEsc. 3", "Lyon"});
  CHECK(records[2].line == 8);
  CHECK(records[2].end_line == 8);
  CHECK(records[2].fields == Fields{"Petit", "", "Nice"});
  CHECK(records[2].raw == row8);
  CHECK(reader.header().raw + records[0].raw + records[1].raw + records[2].raw == header + row2 + row5 + row8);

  CsvRecord after;
  CHECK_FALSE(reader.next(after));
  CHECK_FALSE(reader.next(after));
}

TEST_CASE("CRLF never leaves a carriage return in a field, even inside quotes", "[csv]") {
  TempDir dir;
  const std::string bytes = "Nom;Adresse\r\nMartin;\"1 rue A\r\nBât B\"\r\n\"Petit\";\"2 rue B\"\r\n";
  CsvReader reader(dir.write("crlf.csv", bytes));
  CHECK(reader.header().fields == Fields{"Nom", "Adresse"});
  const auto records = read_all(reader);
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"Martin", "1 rue A\nBât B"});
  CHECK(records[0].raw == "Martin;\"1 rue A\r\nBât B\"\r\n");
  CHECK(records[1].fields == Fields{"Petit", "2 rue B"});
  CHECK(records[1].line == 4);
}

TEST_CASE("old Mac files ending lines with a lone CR", "[csv]") {
  TempDir dir;
  CsvReader reader(dir.write("mac.csv", "Nom;Ville\rA;B\r\rC;D"));
  const auto records = read_all(reader);
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"A", "B"});
  CHECK(records[1].fields == Fields{"C", "D"});
  CHECK(records[1].line == 4);
}

TEST_CASE("fields are not trimmed — a quote inside an unquoted field is literal", "[csv]") {
  TempDir dir;
  CsvReader reader(dir.write("f.csv", "Nom;Adresse\n Martin ;12 rue \"Les Lilas\"\n\" Petit \";x\n"));
  const auto records = read_all(reader);
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{" Martin ", "12 rue \"Les Lilas\""});
  CHECK(records[1].fields == Fields{" Petit ", "x"});
}

TEST_CASE("an unterminated quote names the line where the record starts", "[csv]") {
  TempDir dir;
  const auto path = dir.write("open.csv", "Nom;Adresse\nA;B\nC;\"never closed\nmore\nlines\n");
  const std::string message = read_file_error(path);
  CHECK_THAT(message, Catch::Contains(path + ":3:"));
  CHECK_THAT(message, Catch::Contains("never closed"));
}

TEST_CASE("text after a closing quote is malformed CSV, reported on its line", "[csv]") {
  TempDir dir;
  const auto path = dir.write("bad.csv", "Nom;Adresse\nA;B\nC;\"12 rue \"Les Lilas\"\"\n");
  const std::string message = read_file_error(path);
  CHECK_THAT(message, Catch::Contains(path + ":3:"));
  CHECK_THAT(message, Catch::Contains("doubled"));
}

TEST_CASE("invalid UTF-8 names the line and suggests windows-1252", "[csv]") {
  TempDir dir;
  const auto path = dir.write("mixed.csv", "Nom;Prénom\nDupont;Jean\n" + cp1252("Lefèvre;Zoé\n"));
  CsvOptions options;
  options.encoding = Encoding::utf8;
  const std::string message = read_file_error(path, options);
  CHECK_THAT(message, Catch::Contains(path + ":3:"));
  CHECK_THAT(message, Catch::Contains("invalid UTF-8 on line 3"));
  CHECK_THAT(message, Catch::Contains("--encoding windows-1252"));

  options.encoding = Encoding::windows1252;
  CsvReader forced(dir.write("cp.csv", cp1252("Nom;Prénom\nLefèvre;Zoé\n")), options);
  CHECK(forced.header().fields == Fields{"Nom", "Prénom"});
}

TEST_CASE("a UTF-8 BOM contradicts --encoding windows-1252", "[csv]") {
  TempDir dir;
  CsvOptions options;
  options.encoding = Encoding::windows1252;
  CHECK_THAT(read_file_error(dir.write("b.csv", "\xEF\xBB\xBFNom\nA\n"), options), Catch::Contains("byte order mark"));
}

TEST_CASE("empty files and files that are not CSV text fail before any row", "[csv]") {
  TempDir dir;
  CHECK_THAT(read_file_error(dir.write("empty.csv", "")), Catch::Contains("empty"));
  CHECK_THAT(read_file_error(dir.write("blank.csv", "\r\n\n  \n")), Catch::Contains("empty"));
  CHECK_THAT(read_file_error(dir.write("bom.csv", "\xEF\xBB\xBF")), Catch::Contains("empty"));
  CHECK_THAT(read_file_error(dir.path().string() + "/missing.csv"), Catch::Contains("cannot open"));
  CHECK_THAT(read_file_error(dir.path().string()), Catch::Contains("cannot read"));

  std::string binary = "\x89PNG\r\n\x1A\n";
  binary += std::string("\0\0\0\rIHDR", 8);
  CHECK_THAT(read_file_error(dir.write("photo.csv", binary)), Catch::Contains("NUL"));
  CHECK_THAT(read_file_error(dir.write("book.csv", std::string("PK\x03\x04\x14\0\x06\0", 8))),
             Catch::Contains("spreadsheet"));
  CHECK_THAT(read_file_error(dir.write("u16.csv", std::string("\xFF\xFEN\0o\0m\0", 8))), Catch::Contains("UTF-16"));
}

TEST_CASE("a NUL byte after the first 64 KiB is caught on its line", "[csv]") {
  TempDir dir;
  std::string bytes = "Nom;Ville\n";
  for (int i = 0; i < 10000; ++i) {
    bytes += "Martin;Lyon\n";
  }
  bytes += std::string("Petit;Ni\0ce\n", 12);
  const auto path = dir.write("nul.csv", bytes);
  CHECK_THAT(read_file_error(path), Catch::Contains(path + ":10002:"));
}

TEST_CASE("delimiter detection: counts outside quotes, ties prefer semicolon then comma", "[csv]") {
  TempDir dir;
  CHECK(CsvReader(dir.write("a.csv", "\"a;b;c\",d,e\n")).delimiter() == ',');
  CHECK(CsvReader(dir.write("b.csv", "a,b;c\n")).delimiter() == ';');
  CHECK(CsvReader(dir.write("c.csv", "a,b\tc\n")).delimiter() == ',');
  CHECK(CsvReader(dir.write("d.csv", "\n\nNom\tPrénom\n")).delimiter() == '\t');

  CsvReader single(dir.write("single.csv", "Réf famille\nF1\nF2\n"));
  CHECK(single.delimiter() == ';');
  CHECK(single.header().fields == Fields{"Réf famille"});
  CHECK(read_all(single).size() == 2);

  CHECK_THAT(read_file_error(dir.write("pipe.csv", "Nom|Prénom\nA|B\n")), Catch::Contains("'|'"));
  CHECK_THAT(read_file_error(dir.write("odd.csv", "Nom Prénom\nA;B\n")), Catch::Contains("no separator"));

  CsvOptions options;
  options.delimiter = ',';
  CsvReader forced(dir.write("e.csv", "a;b,c\n1;2,3\n"), options);
  CHECK(forced.delimiter() == ',');
  CHECK(forced.header().fields == Fields{"a;b", "c"});
}

TEST_CASE("encoding detection survives a multi-byte character cut by the 64 KiB sample", "[csv]") {
  TempDir dir;
  std::string bytes = "Prénom;Ville\n";
  while (bytes.size() < 65536 - 12) {
    bytes += "Martin;Lyon\n";
  }
  bytes += std::string(65535 - bytes.size(), 'x');
  bytes += "é;Sète\n";  // the 'é' straddles the sample's end
  CsvReader reader(dir.write("cut.csv", bytes));
  CHECK(reader.encoding() == Encoding::utf8);
  const auto records = read_all(reader);
  CHECK(records.back().fields[1] == "Sète");
}

TEST_CASE("a file ASCII for its first 64 KiB is decided at its first accent", "[csv]") {
  TempDir dir;
  std::string bytes = "Nom;Ville\n";
  for (int i = 0; i < 8000; ++i) {
    bytes += "Martin;Lyon\n";
  }
  bytes += cp1252("Lefèvre;Besançon\n");
  CsvReader reader(dir.write("late.csv", bytes));
  CHECK(reader.encoding() == Encoding::utf8);
  const auto records = read_all(reader);
  CHECK(reader.encoding() == Encoding::windows1252);
  CHECK(records.back().fields == Fields{"Lefèvre", "Besançon"});
  CHECK(records.back().raw == cp1252("Lefèvre;Besançon\n"));
}

TEST_CASE("unquote & unneutralise round trip of the writer", "[csv]") {
  const std::vector<Fields> rows = {
      {"Nom", "Adresse", "Note"},
      {"Martin", "12 rue \"Les Lilas\";\nBât B", "=1+2"},
      {" espace ", "+33 6 12 34 56 78", "-12,50"},
      {"@SUM(A1)", "\tcache", "\rretour"},
      {"'=déjà", "''deux", "'apostrophe"},
      {"", "", ""},
      {"Lefèvre, Zoé", "€", "'"},
  };
  TempDir dir;
  std::ostringstream out;
  CsvWriter writer(out);
  writer.write_bom();
  for (const auto& row : rows) {
    writer.write_row(row);
  }
  const std::string text = out.str();
  CHECK(text.starts_with("\xEF\xBB\xBFNom;Adresse;Note\r\n"));
  CHECK_THAT(text, Catch::Contains("Martin;\"12 rue \"\"Les Lilas\"\";\nBât B\";'=1+2\r\n"));
  CHECK_THAT(text, Catch::Contains("\" espace \";'+33 6 12 34 56 78;'-12,50\r\n"));
  CHECK_THAT(text, Catch::Contains("'@SUM(A1);'\tcache;\"'\rretour\"\r\n"));
  CHECK_THAT(text, Catch::Contains("''=déjà;'''deux;'apostrophe\r\n"));

  CsvReader reader(dir.write("export.csv", text));
  CHECK(reader.had_bom());
  std::vector<Fields> back{reader.header().fields};
  for (const auto& record : read_all(reader)) {
    Fields fields;
    for (const auto& f : record.fields) {
      fields.push_back(unneutralise_formula(f));
    }
    back.push_back(fields);
  }
  CHECK(back == rows);
}

TEST_CASE("the writer without neutralisation, other delimiters and line ends", "[csv]") {
  std::ostringstream out;
  CsvWriter writer(out, ',', false, "\n");
  writer.write_row({"=1+2", "a,b", "c;d", "é"});
  writer.write_row({""});
  writer.write_row({"trailing "});
  CHECK(out.str() == "=1+2,\"a,b\",c;d,é\n\"\"\n\"trailing \"\n");
  CHECK(unneutralise_formula("'=x") == "=x");
  CHECK(unneutralise_formula("'x") == "'x");
  CHECK(unneutralise_formula("'") == "'");
  CHECK(unneutralise_formula("=x") == "=x");
}

TEST_CASE("a single empty field survives the round trip", "[csv]") {
  TempDir dir;
  std::ostringstream out;
  CsvWriter writer(out);
  writer.write_row({"Commentaire"});
  writer.write_row({""});
  writer.write_row({"ok"});
  CsvReader reader(dir.write("one.csv", out.str()));
  const auto records = read_all(reader);
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{""});
}

TEST_CASE("a generated 50,000-row file is read in full, line numbers right", "[csv]") {
  TempDir dir;
  std::ostringstream out;
  CsvWriter writer(out);
  writer.write_row({"Réf famille", "Nom", "Prénom", "Adresse", "Ville"});
  std::size_t line = 2;
  std::vector<std::size_t> starts;
  for (int i = 0; i < 50000; ++i) {
    const bool multi = i % 7 == 0;
    starts.push_back(line);
    line += multi ? 2 : 1;
    writer.write_row({"F" + std::to_string(i), "Lefèvre", "Zoé-" + std::to_string(i),
                      multi ? "3 rue \"Haute\"\nBât " + std::to_string(i) : "1 place du Marché; Nord", "Sète"});
  }
  const auto path = dir.write("big.csv", cp1252(out.str()));

  CsvReader reader(path);
  CHECK(reader.encoding() == Encoding::windows1252);
  CsvRecord record;
  std::size_t count = 0;
  bool all_right = true;
  while (reader.next(record)) {
    const auto i = count++;
    const bool multi = i % 7 == 0;
    all_right = all_right && record.fields.size() == 5 && record.fields[0] == "F" + std::to_string(i) &&
                record.fields[2] == "Zoé-" + std::to_string(i) && record.line == starts[i] &&
                record.end_line == starts[i] + (multi ? 1 : 0) &&
                record.fields[3] == (multi ? "3 rue \"Haute\"\nBât " + std::to_string(i) : "1 place du Marché; Nord");
    if (!all_right) {
      FAIL("record " << i << " at line " << record.line);
    }
  }
  CHECK(count == 50000);
}

TEST_CASE("readers can be moved, e.g. kept in a vector", "[csv]") {
  TempDir dir;
  std::vector<CsvReader> readers;
  readers.emplace_back(dir.write("a.csv", "Nom\nA\n"));
  readers.emplace_back(dir.write("b.csv", "Nom\nB\n"));
  CsvRecord record;
  REQUIRE(readers[0].next(record));
  CHECK(record.fields == Fields{"A"});
  REQUIRE(readers[1].next(record));
  CHECK(record.fields == Fields{"B"});
}
