#include <catch2/catch.hpp>

#include "treasury/pes.hpp"
