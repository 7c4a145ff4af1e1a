#include "billing/payments.hpp"

namespace imuse {}
