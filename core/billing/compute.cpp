#include "billing/compute.hpp"

namespace imuse {}
