#pragma once
// SEPA: IBAN (ISO 13616), creditor identifier (ICS) and mandate reference (RUM) checks.

namespace imuse::sepa {}  // namespace imuse::sepa
