#pragma once
// SEPA: the pain.008.001.02 direct-debit file, written streaming with libxml2.

namespace imuse::sepa {}  // namespace imuse::sepa
