#include "treasury/reminders.hpp"
