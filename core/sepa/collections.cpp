#include "sepa/collections.hpp"
