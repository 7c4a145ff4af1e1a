#pragma once
// The message of the DataError that `f()` throws, "" when it throws none: what the office reads
// for a bad input file.
#include <string>
#include <utility>

#include "util/error.hpp"

template <class F>
std::string data_error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const imuse::DataError& e) {
    return e.what();
  }
  return "";
}
