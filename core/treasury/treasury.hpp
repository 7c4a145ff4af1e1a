#pragma once
// Treasury: bordereaux of titles: selection, numbering, TAV settlements, list/show/cancel.

namespace imuse::treasury {}  // namespace imuse::treasury
