#include "sepa/mandates.hpp"
