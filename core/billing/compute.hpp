#pragma once
// Pure billing computation: lines, discounts, totals and instalments of one family.

namespace imuse {}
