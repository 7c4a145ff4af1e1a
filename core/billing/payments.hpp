#pragma once
// payments record / import / list / cancel on the database.

namespace imuse {}
