#include "billing/invoices.hpp"

namespace imuse {}
