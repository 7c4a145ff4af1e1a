#pragma once
// Invoice and receipt contents read from the database for the PDFs.

namespace imuse {}
