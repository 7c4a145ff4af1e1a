#include "billing/compute.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "util/error.hpp"

namespace imuse {

namespace {

const std::string kDash = " \xE2\x80\x94 ";  // " — "

std::string with_name(const std::string& label, const std::string& name) {
  return name.empty() ? label : label + kDash + name;
}

std::string course_key(std::int64_t course, std::int64_t student) {
  return "course:" + std::to_string(course) + ":student:" + std::to_string(student);
}

}  // namespace

bool is_resident(const Tariffs& tariffs, const FamilyFacts& family) {
  if (family.resident) {
    return *family.resident;
  }
  return tariffs.resident_by_address(family.postal_code, family.city);
}

std::vector<Line> tuition_lines(const Tariffs& tariffs, const FamilyFacts& family,
                                const std::vector<EnrolmentFacts>& enrolments) {
  std::vector<Line> out;
  if (enrolments.empty()) {
    return out;
  }
  const std::string bracket = tariffs.bracket_of(family.quotient);
  const bool resident = is_resident(tariffs, family);

  // Students in rank order: eldest first, ties by id.
  struct Student {
    std::int64_t id;
    std::string name;
    std::string birth;
  };
  std::vector<Student> students;
  for (const auto& e : enrolments) {
    if (std::none_of(students.begin(), students.end(), [&](const Student& s) { return s.id == e.student_id; })) {
      students.push_back({e.student_id, e.student_name, e.birth_date.iso()});
    }
  }
  std::sort(students.begin(), students.end(),
            [](const Student& a, const Student& b) { return std::tie(a.birth, a.id) < std::tie(b.birth, b.id); });

  std::vector<const EnrolmentFacts*> sorted;
  for (const auto& e : enrolments) {
    sorted.push_back(&e);
  }
  for (std::size_t rank = 0; rank < students.size(); ++rank) {
    const auto& s = students[rank];
    const std::int64_t rate = tariffs.sibling_rate(static_cast<int>(rank) + 1);
    std::vector<const EnrolmentFacts*> mine;
    for (const auto* e : sorted) {
      if (e->student_id == s.id) {
        mine.push_back(e);
      }
    }
    std::sort(mine.begin(), mine.end(), [](const EnrolmentFacts* a, const EnrolmentFacts* b) {
      return std::tie(a->course_name, a->course_id) < std::tie(b->course_name, b->course_id);
    });
    for (const auto* e : mine) {
      const CategoryPrices* category = tariffs.category_for(e->tariff_category, e->department);
      const std::string category_name = e->tariff_category.empty() ? e->department : e->tariff_category;
      if (category == nullptr) {
        throw DataError(tariffs.file + ": no price for the course \"" + e->course_name + "\" (course " +
                        std::to_string(e->course_id) + "): its category \"" + category_name + "\"" +
                        (e->tariff_category.empty() ? " (its department, as it has no tariff category)" : "") +
                        " is not in the grid's categories; nothing was written");
      }
      const auto& table = resident ? category->resident : category->non_resident;
      const auto price = table ? table->price(bracket) : std::nullopt;
      if (!price) {
        throw DataError(tariffs.file + ": no price for the course \"" + e->course_name + "\" (course " +
                        std::to_string(e->course_id) + "), category \"" + category->name + "\", bracket " + bracket +
                        ", " + (resident ? "resident" : "non_resident") + " (family " + std::to_string(family.id) +
                        "); nothing was written");
      }
      Line line;
      line.key = course_key(e->course_id, s.id);
      line.label = with_name(e->course_name, s.name);
      line.student_id = s.id;
      line.course_id = e->course_id;
      line.unit_price = *price;
      line.discount = percent_of(*price, rate);
      out.push_back(std::move(line));
    }
  }
  for (const auto& fee : tariffs.fees) {
    if (!fee.per_student) {
      continue;
    }
    for (const auto& s : students) {
      Line line;
      line.key = "fee:" + fee.code + ":student:" + std::to_string(s.id);
      line.label = with_name(fee.label, s.name);
      line.student_id = s.id;
      line.unit_price = fee.amount;
      out.push_back(std::move(line));
    }
  }
  for (const auto& fee : tariffs.fees) {
    if (fee.per_student) {
      continue;
    }
    Line line;
    line.key = "fee:" + fee.code;
    line.label = fee.label;
    line.unit_price = fee.amount;
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<Line> rental_lines(const Tariffs& tariffs, const std::vector<RentalFacts>& rentals) {
  std::vector<Line> out;
  for (const auto& r : rentals) {
    const auto it = tariffs.rentals.find(r.tariff_code);
    const std::string what = "rental " + std::to_string(r.id) + " \"" + r.label + "\"";
    if (it == tariffs.rentals.end()) {
      throw DataError(tariffs.file + ": no price for the " + what + ": its tariff code \"" + r.tariff_code +
                      "\" is not in the grid's rentals; nothing was written");
    }
    const RentalPrice& price = it->second;
    Line line;
    line.key = "rental:" + std::to_string(r.id);
    line.label = with_name(price.label.empty() ? r.label : price.label, r.student_name);
    line.student_id = r.student_id;
    line.rental_id = r.id;
    if (r.per_term) {
      if (!price.per_term) {
        throw DataError(tariffs.file + ": no price per term for the " + what + " (tariff code " + r.tariff_code +
                        "); nothing was written");
      }
      int terms = 0;
      for (const auto& t : tariffs.terms) {
        const bool after_start = !r.starts_on || r.starts_on->iso() <= t.ends_on.iso();
        const bool before_end = !r.ends_on || r.ends_on->iso() >= t.starts_on.iso();
        terms += after_start && before_end ? 1 : 0;
      }
      if (terms == 0) {
        continue;  // the rental's dates cover none of the grid's terms
      }
      line.quantity = r.quantity * terms;
      line.unit_price = *price.per_term;
    } else {
      if (!price.per_year) {
        throw DataError(tariffs.file + ": no price per year for the " + what + " (tariff code " + r.tariff_code +
                        "); nothing was written");
      }
      line.quantity = r.quantity;
      line.unit_price = *price.per_year;
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<Cents> split_instalments(Cents total, int count) {
  std::vector<Cents> out;
  if (total <= 0 || count <= 0) {
    return out;
  }
  const Cents n = std::min<Cents>(count, total);
  const Cents base = total / n;
  out.assign(static_cast<std::size_t>(n), base);
  out.front() += total - base * n;
  return out;
}

// Howard Hinnant's days_from_civil / civil_from_days.
std::int64_t days_from_epoch(const Date& d) {
  const int y = d.year - (d.month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = d.month + (d.month > 2 ? -3 : 9);
  const int doy = (153 * mp + 2) / 5 + d.day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

Date date_from_epoch(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  Date d;
  d.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  d.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  d.year = static_cast<int>(yoe + era * 400 + (d.month <= 2 ? 1 : 0));
  return d;
}

std::vector<Date> due_dates(const std::vector<Date>& schedule, const Date& issued, int due_days) {
  std::vector<Date> out;
  for (const auto& d : schedule) {
    if (d.iso() >= issued.iso()) {
      out.push_back(d);
    }
  }
  if (out.empty()) {
    out.push_back(date_from_epoch(days_from_epoch(issued) + due_days));
  }
  return out;
}

Cents CreditPlan::total() const {
  Cents t = 0;
  for (const auto& l : lines) {
    t += l.amount();
  }
  return t;
}

Cents CorrectionPlan::invoice_total() const {
  Cents t = 0;
  for (const auto& l : invoice_lines) {
    t += l.amount();
  }
  return t;
}

CorrectionPlan plan_corrections(const std::vector<Line>& wanted, const std::vector<BilledKey>& billed) {
  CorrectionPlan plan;
  std::unordered_map<std::string, Cents> billed_total;
  std::unordered_map<std::string, const Line*> wanted_by_key;
  for (const auto& b : billed) {
    billed_total[b.line.key] += b.net;
  }
  plan.correcting = !billed.empty();
  std::vector<std::pair<std::string, Cents>> decreases;  // key, amount to credit (in order met)
  for (const auto& w : wanted) {
    wanted_by_key[w.key] = &w;
    const auto it = billed_total.find(w.key);
    const Cents already = it == billed_total.end() ? 0 : it->second;
    const Cents diff = w.amount() - already;
    if (already == 0) {
      if (w.amount() > 0) {
        plan.invoice_lines.push_back(w);
      }
    } else if (diff > 0) {
      Line l = w;
      l.quantity = 1;
      l.unit_price = diff;
      l.discount = 0;
      plan.invoice_lines.push_back(std::move(l));
    } else if (diff < 0) {
      decreases.emplace_back(w.key, -diff);
    }
  }
  // Keys billed but no longer due, in the order they were billed.
  std::vector<std::string> seen;
  for (const auto& b : billed) {
    if (wanted_by_key.count(b.line.key) == 0 && billed_total[b.line.key] > 0 &&
        std::find(seen.begin(), seen.end(), b.line.key) == seen.end()) {
      seen.push_back(b.line.key);
      decreases.emplace_back(b.line.key, billed_total[b.line.key]);
    }
  }
  // Credit each decrease on the invoices that billed the key, latest first.
  std::vector<const BilledKey*> order;
  for (const auto& b : billed) {
    order.push_back(&b);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const BilledKey* a, const BilledKey* b) { return a->invoice_id > b->invoice_id; });
  std::map<std::int64_t, CreditPlan> credits;
  for (auto& [key, amount] : decreases) {
    Cents left = amount;
    for (const auto* b : order) {
      if (left == 0) {
        break;
      }
      if (b->line.key != key || b->net <= 0) {
        continue;
      }
      const Cents take = std::min(left, b->net);
      auto& credit = credits[b->invoice_id];
      credit.invoice_id = b->invoice_id;
      credit.site_id = b->site_id;
      Line l = b->line;
      l.quantity = 1;
      l.unit_price = take;
      l.discount = 0;
      credit.lines.push_back(std::move(l));
      left -= take;
    }
  }
  for (auto& [id, credit] : credits) {
    plan.credit_notes.push_back(std::move(credit));
  }
  return plan;
}

}  // namespace imuse
