#pragma once
// SEPA: direct-debit files: selection, FRST/RCUR, cancel, returned debits.

namespace imuse::sepa {}  // namespace imuse::sepa
