#include "treasury/treasury.hpp"
