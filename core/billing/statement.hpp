#pragma once
// The family ledger (relevé) as the portal shows it.

namespace imuse {}
