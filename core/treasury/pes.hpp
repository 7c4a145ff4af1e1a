#pragma once
// Treasury: the PES V2 PES_Aller recette file, written streaming with libxml2.

namespace imuse::treasury {}  // namespace imuse::treasury
