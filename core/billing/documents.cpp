#include "billing/documents.hpp"

namespace imuse {}
