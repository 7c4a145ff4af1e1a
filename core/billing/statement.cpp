#include "billing/statement.hpp"

namespace imuse {}
