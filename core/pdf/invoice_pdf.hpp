#pragma once
// Invoice and receipt PDFs rendered with PoDoFo.

namespace imuse {}
