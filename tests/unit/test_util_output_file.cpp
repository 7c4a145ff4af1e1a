#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"
#include "util/error.hpp"
#include "util/output_file.hpp"

using namespace imuse;
namespace fs = std::filesystem;

TEST_CASE("file_sha256 gives the standard digest", "[output_file]") {
  TempDir dir;
  CHECK(file_sha256(dir.write("abc", "abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_THROWS_AS(file_sha256((dir.path() / "missing").string()), OutputError);
}

TEST_CASE("a committed file appears only when published", "[output_file]") {
  TempDir dir;
  const auto path = (dir.path() / "PES.xml").string();
  SECTION("published after the commit") {
    CommittedFile file(path);
    file.check_free();
    std::ofstream(file.pending_path()) << "<x/>";
    CHECK(file.seal() == file_sha256(file.pending_path()));
    CHECK(!fs::exists(path));
    file.publish();
    CHECK(fs::exists(path));
    CHECK(!fs::exists(file.pending_path()));
  }
  SECTION("a run that fails before the commit leaves nothing") {
    {
      CommittedFile file(path);
      std::ofstream(file.pending_path()) << "<x/>";
      file.seal();
    }
    CHECK(!fs::exists(path));
    CHECK(!fs::exists(path + ".pending"));
  }
  SECTION("an existing file is never overwritten") {
    dir.write("PES.xml", "old");
    CHECK_THROWS_AS(CommittedFile(path).check_free(), OutputError);
  }
}

TEST_CASE("recover publishes a committed pending file and removes an uncommitted one", "[output_file]") {
  TempDir dir;
  const auto path = (dir.path() / "PRLV.xml").string();
  CHECK(CommittedFile::recover(path, [](const std::string&) { return true; }) == CommittedFile::Recovery::none);

  dir.write("PRLV.xml.pending", "abc");
  std::string asked;
  auto recovery = CommittedFile::recover(path, [&](const std::string& sha) {
    asked = sha;
    return false;
  });
  CHECK(recovery == CommittedFile::Recovery::removed);
  CHECK(asked == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(!fs::exists(path + ".pending"));
  CHECK(!fs::exists(path));

  dir.write("PRLV.xml.pending", "abc");
  recovery = CommittedFile::recover(path, [](const std::string&) { return true; });
  CHECK(recovery == CommittedFile::Recovery::published);
  CHECK(fs::exists(path));
  CHECK(!fs::exists(path + ".pending"));
}
