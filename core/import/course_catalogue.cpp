#include "import/course_catalogue.hpp"

#include "util/fold.hpp"
#include "util/text.hpp"

namespace imuse {

CourseCatalogue::CourseCatalogue(pqxx::transaction_base& tx) {
  for (const auto& row : tx.exec("SELECT id, site_id, name FROM courses ORDER BY id")) {
    const int site = row[1].as<int>();
    const std::string key = fold_key(row[2].as<std::string>());
    auto& courses = by_key_[{site, key}];
    if (courses.empty()) {
      keys_of_site_[site].push_back(key);
    }
    courses.push_back(Course{row[0].as<long long>(), row[2].as<std::string>()});
  }
}

CourseCatalogue::Lookup CourseCatalogue::find(int site_id, const std::string& site_code,
                                              const std::string& name) const {
  const std::string key = fold_key(name);
  const auto it = by_key_.find({site_id, key});
  if (it == by_key_.end()) {
    std::string hint = " (see 'imuse-admin courses list')";
    if (auto keys = keys_of_site_.find(site_id); keys != keys_of_site_.end()) {
      if (const std::string close = closest_match(key, keys->second); !close.empty()) {
        hint = " (did you mean \"" + by_key_.at({site_id, close}).front().name + "\"?)";
      }
    }
    return Lookup{std::nullopt, 0, "no course \"" + name + "\" on site " + site_code + hint};
  }
  const auto& courses = it->second;
  if (courses.size() == 1) {
    return Lookup{courses.front().id, 1, ""};
  }
  std::vector<std::string> names;
  for (const auto& course : courses) {
    if (course.name == name) {
      return Lookup{course.id, courses.size(), ""};
    }
    names.push_back("\"" + course.name + "\"");
  }
  return Lookup{std::nullopt, courses.size(),
                "matches " + std::to_string(courses.size()) + " courses of site " + site_code + " (" +
                    join(names, ", ") + "): write the name exactly as one of them"};
}

}  // namespace imuse
