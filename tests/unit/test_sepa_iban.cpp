#include <catch2/catch.hpp>

#include "sepa/iban.hpp"
