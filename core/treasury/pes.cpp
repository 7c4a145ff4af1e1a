#include "treasury/pes.hpp"
