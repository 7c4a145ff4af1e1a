#include "billing/rentals.hpp"

namespace imuse {}
