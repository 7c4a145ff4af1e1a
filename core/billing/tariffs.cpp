#include "billing/tariffs.hpp"

namespace imuse {}
