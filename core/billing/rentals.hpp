#pragma once
// rentals import / list.

namespace imuse {}
