#include <catch2/catch.hpp>

#include "util/money.hpp"

using namespace imuse;

TEST_CASE("format_euros prints French amounts with grouping and two decimals") {
  CHECK(format_euros(2400) == "24,00 €");
  CHECK(format_euros(123450) == "1 234,50 €");
  CHECK(format_euros(5) == "0,05 €");
  CHECK(format_euros(0) == "0,00 €");
  CHECK(format_euros(-2400) == "-24,00 €");
  CHECK(format_euros(100000000) == "1 000 000,00 €");
  CHECK(format_euros(123450, false) == "1 234,50");
  CHECK(format_decimal(123450) == "1234.50");
  CHECK(format_decimal(-7) == "-0.07");
}

TEST_CASE("parse_amount reads what offices and banks write") {
  CHECK(parse_amount("24") == 2400);
  CHECK(parse_amount("24,00") == 2400);
  CHECK(parse_amount("24,5") == 2450);
  CHECK(parse_amount("24.50") == 2450);
  CHECK(parse_amount(" 1 234,50 € ") == 123450);
  CHECK(parse_amount("1\xc2\xa0" "234,50") == 123450);
  CHECK(parse_amount("1.234,50") == 123450);
  CHECK(parse_amount("1234.50 EUR") == 123450);
  CHECK(parse_amount(",50") == 50);
  CHECK(parse_amount("-12,00", true) == -1200);
}

TEST_CASE("parse_amount refuses ambiguous or malformed amounts") {
  CHECK_FALSE(parse_amount(""));
  CHECK_FALSE(parse_amount("  "));
  CHECK_FALSE(parse_amount("12,345"));   // three decimals
  CHECK_FALSE(parse_amount("1.234"));    // thousands or decimals?
  CHECK_FALSE(parse_amount("1 23,00"));  // irregular grouping
  CHECK_FALSE(parse_amount("12a"));
  CHECK_FALSE(parse_amount("-12"));      // negative not allowed by default
  CHECK_FALSE(parse_amount("1,2,3"));
  CHECK_FALSE(parse_amount("99999999999999"));
}

TEST_CASE("percent_of rounds half up to the cent") {
  CHECK(percent_of(12000, 1000) == 1200);  // 10 % of 120,00
  CHECK(percent_of(12345, 1000) == 1235);  // 1234.5 -> 1235
  CHECK(percent_of(12344, 1000) == 1234);
  CHECK(percent_of(0, 2000) == 0);
}
