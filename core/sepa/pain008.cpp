#include "sepa/pain008.hpp"
