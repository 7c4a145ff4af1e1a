#include "sepa/iban.hpp"
