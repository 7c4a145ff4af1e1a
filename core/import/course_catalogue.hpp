#pragma once
// The course catalogue in memory, to find a course by site and name as people type it: case,
// accents, spaces and punctuation are ignored ("FM 1C4-A" is "fm 1c4 a"). A catalogue has
// hundreds of courses per site, so it is read whole.
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

namespace imuse {

class CourseCatalogue {
 public:
  // Reads every course of every site.
  explicit CourseCatalogue(pqxx::transaction_base& tx);

  struct Lookup {
    std::optional<long long> id;  // the course, when exactly one matches
    std::size_t matches = 0;      // courses whose name folds like the one looked for
    std::string problem;          // why none was chosen: no course of that name, or several
  };
  // The course of `site_id` named `name`. When several stored names fold alike ("Éveil" and
  // "Eveil", written by another program), the exactly spelled one is chosen, else none.
  Lookup find(int site_id, const std::string& site_code, const std::string& name) const;

 private:
  struct Course {
    long long id;
    std::string name;
  };
  std::map<std::pair<int, std::string>, std::vector<Course>> by_key_;  // (site, folded name)
  std::map<int, std::vector<std::string>> keys_of_site_;
};

}  // namespace imuse
