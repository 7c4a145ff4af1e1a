#pragma once
// SEPA: families' direct-debit mandates: set, show, revoke.

namespace imuse::sepa {}  // namespace imuse::sepa
