#pragma once
// Treasury: overdue-invoice reminders (relances) queued in the outbox.

namespace imuse::treasury {}  // namespace imuse::treasury
